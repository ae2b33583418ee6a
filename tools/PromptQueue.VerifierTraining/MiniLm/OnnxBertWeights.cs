using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace PromptQueue.VerifierTraining.MiniLm;

/// <summary>
/// Reads BERT's weights out of the all-MiniLM-L6-v2 ONNX export (PyTorch 1.10, opset 13) and writes changed ones
/// back into a copy of the graph.
/// </summary>
/// <remarks>
/// Embeddings, LayerNorms, biases and the pooler keep their PyTorch names. The 36 Linear weights of the encoder were
/// exported as anonymous initializers ("927", "928", ...) transposed to [in, out] because each became MatMul(x, W) + b.
/// Their numbering is not in layer order (Q, K, V of layer 0 are 927, 928, 931), so they are mapped by the graph,
/// not by position: for every MatMul whose right operand is a float initializer, the Add that consumes the MatMul's
/// output has the Linear's bias as its other operand, and that bias has its PyTorch name
/// ("encoder.layer.0.attention.self.query.bias"); the weight is that name with ".bias" replaced by ".weight".
/// The two attention MatMuls (Q·Kᵀ and P·V) have no initializer operand and are skipped by the same rule.
/// </remarks>
internal sealed class OnnxBertWeights
{
    private readonly ModelProto _model;

    private OnnxBertWeights(ModelProto model, IReadOnlyDictionary<string, BertParameter> parameters)
    {
        _model = model;
        Parameters = parameters;
    }

    public IReadOnlyDictionary<string, BertParameter> Parameters { get; }

    public static OnnxBertWeights Read(byte[] onnx)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = graph.Node
            .SelectMany(n => n.Input.Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node);
        var parameters = new Dictionary<string, BertParameter>();

        foreach (var tensor in graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && !IsAnonymous(t.Name)))
        {
            parameters[tensor.Name] = new BertParameter(tensor.Name, tensor.Name, [.. tensor.Dims], false, ToFloats(tensor));
        }

        foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul"))
        {
            if (!initializers.TryGetValue(matMul.Input[1], out var weight))
            {
                continue; // attention score / context MatMul: both operands are activations
            }

            var add = consumers[matMul.Output[0]].Single(n => n.OpType == "Add");
            var bias = add.Input.Single(i => i != matMul.Output[0]);
            if (!bias.EndsWith(".bias", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"MatMul {matMul.Name} is followed by Add of {bias}, not a named bias");
            }

            var name = bias[..^".bias".Length] + ".weight";
            var (rows, cols) = ((int)weight.Dims[0], (int)weight.Dims[1]);
            parameters[name] = new BertParameter(name, weight.Name, [cols, rows], true, Transpose(ToFloats(weight), rows, cols));
        }

        // The pooler is Gemm(x, W, b) with transB=1, so its weight is stored in PyTorch layout already.
        var gemm = graph.Node.Single(n => n.OpType == "Gemm");
        if (gemm.Attribute.FirstOrDefault(a => a.Name == "transB")?.I != 1)
        {
            throw new InvalidDataException("pooler Gemm without transB=1: its weight would need transposing");
        }

        return new OnnxBertWeights(model, parameters);
    }

    /// <summary>
    /// A copy of the model with the given parameters (PyTorch names and layout) written over the matching initializers;
    /// anything not given keeps its original value. Graph, inputs and outputs are unchanged.
    /// </summary>
    public ModelProto WithParameters(IReadOnlyDictionary<string, float[]> values)
    {
        var model = _model.Clone();
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var (name, data) in values)
        {
            var parameter = Parameters[name];
            if (data.Length != parameter.Data.Length)
            {
                throw new ArgumentException($"{name}: {data.Length} values, expected {parameter.Data.Length}");
            }

            // Stored transposed: PyTorch [out, in] becomes ONNX [in, out].
            var stored = parameter.Transposed ? Transpose(data, (int)parameter.Shape[0], (int)parameter.Shape[1]) : data;
            var tensor = initializers[parameter.Initializer];
            tensor.FloatData.Clear();
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(stored.AsSpan()));
        }

        return model;
    }

    /// <summary>A float initializer's values, little-endian as ONNX's raw_data is and as x64 is.</summary>
    public static float[] ToFloats(TensorProto tensor)
    {
        if (tensor.RawData.Length > 0)
        {
            var data = new float[tensor.RawData.Length / sizeof(float)];
            tensor.RawData.Span.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
            return data;
        }

        return [.. tensor.FloatData];
    }

    private static bool IsAnonymous(string name) => name.All(char.IsDigit);

    private static float[] Transpose(float[] data, int rows, int cols)
    {
        var result = new float[data.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[(c * rows) + r] = data[(r * cols) + c];
            }
        }

        return result;
    }
}
