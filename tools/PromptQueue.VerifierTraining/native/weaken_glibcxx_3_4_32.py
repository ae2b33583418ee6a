#!/usr/bin/env python3
"""Lets TorchSharp 0.107's libLibTorchSharp.so load on a libstdc++ older than GCC 13's (Debian 12 here).

The library was built with GCC 13+, so it requires symbol version GLIBCXX_3.4.32 of libstdc++.so.6, but only for
std::ios_base_library_init(), which GCC 13's <iostream> references (no relocation uses it) so that libstdc++ itself
initialises std::cout & co. On GCC 12's libstdc++ the loader rejects the library for that version alone. This marks
that one version requirement VER_FLG_WEAK, which glibc's loader accepts when the version is missing (ldd still warns).
The streams are initialised anyway: libtorch_cpu.so, loaded with it, constructs std::ios_base::Init.
The product's image (Ubuntu 24.04, GCC 14's libstdc++) needs none of this.

Usage: weaken_glibcxx_3_4_32.py path/to/libLibTorchSharp.so   (idempotent; edits 2 bytes in place)
"""
import struct
import sys

VERSION = b"GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def main(path: str) -> int:
    with open(path, "r+b") as f:
        elf = bytearray(f.read())
        if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
            sys.exit(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", elf, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
        for _, sh_type, _, _, offset, _, link, info, _, _ in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[link][4]  # .dynstr holds the version names
            entry = offset
            for _ in range(info):  # Elf64_Verneed: version, cnt, file, aux, next
                _, count, _, aux, next_entry = struct.unpack_from("<HHIII", elf, entry)
                at = entry + aux
                for _ in range(count):  # Elf64_Vernaux: hash, flags, other, name, next
                    _, flags, _, name, next_aux = struct.unpack_from("<IHHII", elf, at)
                    end = elf.index(b"\0", strtab + name)
                    if elf[strtab + name:end] == VERSION:
                        if flags & VER_FLG_WEAK:
                            print(f"{path}: {VERSION.decode()} already weak")
                            return 0
                        struct.pack_into("<H", elf, at + 4, flags | VER_FLG_WEAK)
                        f.seek(0)
                        f.write(elf)
                        print(f"{path}: marked {VERSION.decode()} weak")
                        return 0
                    at += next_aux
                entry += next_entry
        print(f"{path}: does not require {VERSION.decode()}, nothing to do")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
