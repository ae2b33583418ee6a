using PromptQueue.Worker.Matching;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Model;

#pragma warning disable IDE1006 // field names are the PyTorch parameter names
/// <summary>
/// BERT over "[CLS] a [SEP] b [SEP]" and one linear head on the [CLS] vector of the last layer: one logit per pair,
/// the same question when above 0. The feasibility spike tried the pooler and mean pooling too; [CLS] did as well.
/// </summary>
internal sealed class CrossEncoder : nn.Module<PaddedBatch, Tensor>
{
    private readonly BertModel bert;
    private readonly Linear classifier;
    private readonly Dropout dropout;

    public CrossEncoder(BertConfig config) : base(nameof(CrossEncoder))
    {
        bert = new BertModel(config);
        classifier = nn.Linear(config.Hidden, 1);
        dropout = nn.Dropout(config.Dropout);
        using (no_grad())
        {
            // Hugging Face's initialisation for a new head: N(0, 0.02), zero bias (drawn from the seeded generator).
            nn.init.normal_(classifier.weight!, 0, 0.02);
            nn.init.zeros_(classifier.bias!);
        }

        RegisterComponents();
    }

    public BertModel Bert => bert;

    /// <summary>The head's weight [384] and bias, for the exported graph.</summary>
    public (float[] Weight, float Bias) Head() =>
        (classifier.weight!.detach().contiguous().data<float>().ToArray(), classifier.bias!.detach().item<float>());

    public override Tensor forward(PaddedBatch batch)
    {
        var (ids, types, mask) = batch.ToTensors();
        var hidden = bert.call(ids, types, mask);
        return classifier.call(dropout.call(hidden[.., 0])).squeeze(-1);
    }

    /// <summary>Mean of the hidden states over real tokens, as the bi-encoder pools (for the parity check).</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor mask)
    {
        var m = mask.unsqueeze(-1).to(hidden.dtype);
        return (hidden * m).sum(1) / m.sum(1).clamp_min(1);
    }
}
