using PromptQueue.VerifierTraining.MiniLm;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Model;

/// <summary>BERT hyper-parameters; the defaults are all-MiniLM-L6-v2's.</summary>
internal sealed record BertConfig(
    int VocabSize = 30522,
    int Hidden = 384,
    int Layers = 6,
    int Heads = 12,
    int Intermediate = 1536,
    int MaxPositions = 512,
    int TypeVocabSize = 2,
    double LayerNormEps = 1e-12,
    double Dropout = 0.1);

// The module tree and field names mirror Hugging Face's BertModel, so named_parameters() yields exactly the names
// the ONNX export kept ("encoder.layer.3.attention.output.LayerNorm.weight"): loading is a dictionary look-up.
// TorchSharp registers submodules under their field names (RegisterComponents), hence the PyTorch-style names.
#pragma warning disable IDE1006 // field names are the PyTorch parameter names

internal sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertEmbeddings(BertConfig c) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(c.VocabSize, c.Hidden);
        position_embeddings = nn.Embedding(c.MaxPositions, c.Hidden);
        token_type_embeddings = nn.Embedding(c.TypeVocabSize, c.Hidden);
        LayerNorm = nn.LayerNorm(c.Hidden, c.LayerNormEps);
        dropout = nn.Dropout(c.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var x = word_embeddings.call(inputIds) + token_type_embeddings.call(tokenTypeIds) + position_embeddings.call(positions);
        return dropout.call(LayerNorm.call(x));
    }
}

internal sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int _heads;
    private readonly double _dropout;

    public BertSelfAttention(BertConfig c) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(c.Hidden, c.Hidden);
        key = nn.Linear(c.Hidden, c.Hidden);
        value = nn.Linear(c.Hidden, c.Hidden);
        _heads = c.Heads;
        _dropout = c.Dropout;
        RegisterComponents();
    }

    /// <param name="x">[batch, seq, hidden]</param>
    /// <param name="mask">[batch, 1, 1, seq], true where the key is a real token.</param>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        var (b, t, h) = (x.shape[0], x.shape[1], x.shape[2]);
        Tensor Split(Linear projection) => projection.call(x).view(b, t, _heads, h / _heads).transpose(1, 2);
        var context = nn.functional.scaled_dot_product_attention(
            Split(query), Split(key), Split(value), attn_mask: mask, p: training ? _dropout : 0);
        return context.transpose(1, 2).reshape(b, t, h);
    }
}

/// <summary>Dense, dropout, residual, post-LayerNorm: BertSelfOutput and BertOutput are the same shape of block.</summary>
internal sealed class BertResidualOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertResidualOutput(BertConfig c, int inputSize) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inputSize, c.Hidden);
        LayerNorm = nn.LayerNorm(c.Hidden, c.LayerNormEps);
        dropout = nn.Dropout(c.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor residual) => LayerNorm.call(dropout.call(dense.call(x)) + residual);
}

internal sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;

    public BertAttention(BertConfig c) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(c);
        output = new BertResidualOutput(c, c.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask) => output.call(self.call(x, mask), x);
}

internal sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertIntermediate(BertConfig c) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(c.Hidden, c.Intermediate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.gelu(dense.call(x)); // exact (erf) GELU, as the export
}

internal sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;

    public BertLayer(BertConfig c) : base(nameof(BertLayer))
    {
        attention = new BertAttention(c);
        intermediate = new BertIntermediate(c);
        output = new BertResidualOutput(c, c.Intermediate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        var attended = attention.call(x, mask);
        return output.call(intermediate.call(attended), attended);
    }
}

internal sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig c) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList([.. Enumerable.Range(0, c.Layers).Select(_ => new BertLayer(c))]);
        RegisterComponents();
    }

    public IReadOnlyList<BertLayer> Layers => [.. layer];

    public override Tensor forward(Tensor x, Tensor mask)
    {
        foreach (var block in layer)
        {
            x = block.call(x, mask);
        }

        return x;
    }
}

internal sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig c) : base(nameof(BertPooler))
    {
        dense = nn.Linear(c.Hidden, c.Hidden);
        RegisterComponents();
    }

    /// <summary>tanh(W·h[CLS] + b), as the ONNX graph's second output ("924").</summary>
    public override Tensor forward(Tensor hidden) => tanh(dense.call(hidden[.., 0]));
}

/// <summary>BertModel: (input_ids, token_type_ids, attention_mask) → last_hidden_state [batch, seq, hidden].</summary>
internal sealed class BertModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public BertConfig Config { get; }

    public BertEmbeddings Embeddings => embeddings;

    public BertEncoder Encoder => encoder;

    public BertPooler Pooler => pooler;

    /// <summary>All inputs [batch, seq] int64; the attention mask is 1 for real tokens, 0 for padding.</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var keyMask = attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        return encoder.call(embeddings.call(inputIds, tokenTypeIds), keyMask);
    }

    /// <summary>Copies weights in PyTorch names and layout; every parameter of the model must be given.</summary>
    public void Load(IReadOnlyDictionary<string, BertParameter> weights)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            var source = weights.TryGetValue(name, out var w)
                ? w
                : throw new InvalidDataException($"no weight for {name}");
            if (!source.Shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidDataException($"{name}: shape [{string.Join(",", source.Shape)}] vs model [{string.Join(",", parameter.shape)}]");
            }

            using var values = tensor(source.Data, source.Shape);
            parameter.copy_(values);
        }
    }

    /// <summary>Every parameter as (PyTorch name, values in PyTorch layout), for writing back into the ONNX graph.</summary>
    public Dictionary<string, float[]> Export() =>
        named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().contiguous().data<float>().ToArray());
}
