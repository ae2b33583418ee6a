using System.Numerics;
using System.Numerics.Tensors;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// The vectors of one cache scope, searched in two steps: a scan of 1-bit codes (the sign of each dimension,
/// 48 bytes per entry, compared by Hamming distance) picks the closest candidates, then the candidates are
/// rescored exactly from half-precision vectors. A brute-force float32 scan reads 1.5 KB per entry (150 MB per
/// query at 100k entries); the code scan reads 48 bytes. Redis 7.0 has no vector search and an ANN library (HNSW)
/// would add a native dependency for scopes that stay small enough to scan; docs/caching.md has the figures.
/// Thread-safe: many readers, one writer at a time.
/// </summary>
public sealed class ScopeIndex(int maxEntries)
{
    public const int Dimensions = MiniLmEmbedder.Dimensions;
    private const int CodeWords = Dimensions / 64;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Queue<string> _insertionOrder = new();
    private ulong[] _codes = new ulong[CodeWords * 64];
    private Half[] _vectors = new Half[Dimensions * 64];
    private string[] _keys = new string[64];
    private string[] _texts = new string[64];
    private int _count;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds or replaces an entry; past the cap the oldest entry goes.</summary>
    public void Upsert(string key, ReadOnlySpan<float> vector, string text)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_slots.TryGetValue(key, out var slot))
            {
                while (_count >= maxEntries && _insertionOrder.TryDequeue(out var oldest))
                {
                    RemoveLocked(oldest);
                }

                slot = _count++;
                EnsureCapacity(_count);
                _slots[key] = slot;
                _insertionOrder.Enqueue(key);
            }

            _keys[slot] = key;
            _texts[slot] = text;
            Encode(vector, _codes.AsSpan(slot * CodeWords, CodeWords));
            TensorPrimitives.ConvertToHalf(vector, _vectors.AsSpan(slot * Dimensions, Dimensions));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Remove(string key)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveLocked(key);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Entries at or above <paramref name="minSimilarity"/>, most similar first, among the
    /// <paramref name="candidates"/> closest by code.
    /// </summary>
    public IReadOnlyList<IndexMatch> Search(ReadOnlySpan<float> query, int candidates, double minSimilarity)
    {
        Span<ulong> code = stackalloc ulong[CodeWords];
        Encode(query, code);
        Span<float> vector = stackalloc float[Dimensions];
        _lock.EnterReadLock();
        try
        {
            if (_count == 0)
            {
                return [];
            }

            // Max-heap on distance of the best candidates so far: the root is the worst kept.
            var best = new PriorityQueue<int, int>(candidates + 1, Comparer<int>.Create((a, b) => b.CompareTo(a)));
            var codes = _codes.AsSpan(0, _count * CodeWords);
            var worst = int.MaxValue;
            for (var slot = 0; slot < _count; slot++)
            {
                var entry = codes.Slice(slot * CodeWords, CodeWords);
                var distance = 0;
                for (var w = 0; w < CodeWords; w++)
                {
                    distance += BitOperations.PopCount(entry[w] ^ code[w]);
                }

                if (best.Count < candidates)
                {
                    best.Enqueue(slot, distance);
                    if (best.Count == candidates)
                    {
                        best.TryPeek(out _, out worst);
                    }
                }
                else if (distance < worst)
                {
                    best.EnqueueDequeue(slot, distance);
                    best.TryPeek(out _, out worst);
                }
            }

            var matches = new List<IndexMatch>();
            while (best.TryDequeue(out var slot, out _))
            {
                TensorPrimitives.ConvertToSingle(_vectors.AsSpan(slot * Dimensions, Dimensions), vector);
                var similarity = TensorPrimitives.Dot(vector, query);
                if (similarity >= minSimilarity)
                {
                    matches.Add(new IndexMatch(_keys[slot], _texts[slot], vector.ToArray(), similarity));
                }
            }

            matches.Sort((a, b) => b.Similarity.CompareTo(a.Similarity));
            return matches;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The exact answer to <see cref="Search"/>: every entry scored in full precision (benchmarks measure recall against it).</summary>
    public IReadOnlyList<IndexMatch> SearchExact(ReadOnlySpan<float> query, int top, double minSimilarity)
    {
        Span<float> vector = stackalloc float[Dimensions];
        _lock.EnterReadLock();
        try
        {
            // Min-heap of the best `top` so far: the root is the weakest kept.
            var best = new PriorityQueue<int, float>(top + 1);
            for (var slot = 0; slot < _count; slot++)
            {
                TensorPrimitives.ConvertToSingle(_vectors.AsSpan(slot * Dimensions, Dimensions), vector);
                var similarity = TensorPrimitives.Dot(vector, query);
                if (similarity >= minSimilarity)
                {
                    best.Enqueue(slot, similarity);
                    if (best.Count > top)
                    {
                        best.Dequeue();
                    }
                }
            }

            var matches = new List<IndexMatch>(best.Count);
            while (best.TryDequeue(out var slot, out var similarity))
            {
                TensorPrimitives.ConvertToSingle(_vectors.AsSpan(slot * Dimensions, Dimensions), vector);
                matches.Add(new IndexMatch(_keys[slot], _texts[slot], vector.ToArray(), similarity));
            }

            matches.Reverse();
            return matches;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private bool RemoveLocked(string key)
    {
        if (!_slots.Remove(key, out var slot))
        {
            return false;
        }

        // Swap the last entry into the hole, so the arrays stay dense for the scan.
        var last = --_count;
        if (slot != last)
        {
            _keys[slot] = _keys[last];
            _texts[slot] = _texts[last];
            _codes.AsSpan(last * CodeWords, CodeWords).CopyTo(_codes.AsSpan(slot * CodeWords, CodeWords));
            _vectors.AsSpan(last * Dimensions, Dimensions).CopyTo(_vectors.AsSpan(slot * Dimensions, Dimensions));
            _slots[_keys[slot]] = slot;
        }

        _keys[last] = null!;
        _texts[last] = null!;
        return true;
    }

    private void EnsureCapacity(int count)
    {
        if (count <= _keys.Length)
        {
            return;
        }

        var capacity = Math.Max(count, Math.Min(_keys.Length * 2, Math.Max(maxEntries, 64)));
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _texts, capacity);
        Array.Resize(ref _codes, capacity * CodeWords);
        Array.Resize(ref _vectors, capacity * Dimensions);
    }

    private static void Encode(ReadOnlySpan<float> vector, Span<ulong> code)
    {
        code.Clear();
        for (var d = 0; d < Dimensions; d++)
        {
            if (vector[d] > 0)
            {
                code[d >> 6] |= 1UL << (d & 63);
            }
        }
    }
}

/// <summary>A cached prompt close to a query: its exact key, its text (for the guards), its vector and similarity.</summary>
public sealed record IndexMatch(string Key, string Text, float[] Vector, double Similarity);
