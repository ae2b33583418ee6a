using System.Runtime.InteropServices;
using Onnx;
using PromptQueue.VerifierTraining.MiniLm;

namespace PromptQueue.VerifierTraining.Export;

/// <summary>
/// Int8 quantisation of the MiniLM graph's weights, written here because ONNX Runtime's quantiser
/// (onnxruntime.quantization.quantize_dynamic) exists only in its Python package.
/// </summary>
internal static class OnnxQuantizer
{
    private const string WordEmbeddings = "embeddings.word_embeddings.weight";

    /// <summary>
    /// Each MatMul(X, W) with a float initializer W becomes com.microsoft's DynamicQuantizeMatMul(X, W_int8, scale):
    /// ONNX Runtime quantises X to uint8 per call and multiplies with integer kernels. W is quantised symmetrically
    /// per output column to 7 bits (as the Python tool's reduce_range): u8×s8 pair sums then never saturate int16 on
    /// AVX2 CPUs without VNNI, so scores are the same on any x64 machine. Returns how many MatMuls changed.
    /// </summary>
    public static int QuantizeMatMulWeights(ModelProto model)
    {
        const float Limit = 63f;
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var quantized = 0;
        foreach (var node in graph.Node.Where(n => n.OpType == "MatMul").ToList())
        {
            if (!initializers.TryGetValue(node.Input[1], out var weight) || weight.DataType != (int)TensorProto.Types.DataType.Float)
            {
                continue;
            }

            var (rows, cols) = ((int)weight.Dims[0], (int)weight.Dims[1]);
            var values = OnnxBertWeights.ToFloats(weight);
            var scales = new float[cols];
            for (var c = 0; c < cols; c++)
            {
                var max = 0f;
                for (var r = 0; r < rows; r++)
                {
                    max = Math.Max(max, Math.Abs(values[(r * cols) + c]));
                }

                scales[c] = max > 0 ? max / Limit : 1f;
            }

            var q = new sbyte[rows * cols];
            for (var i = 0; i < q.Length; i++)
            {
                q[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scales[i % cols]), -Limit, Limit);
            }

            var name = weight.Name;
            graph.Initializer.Remove(weight);
            graph.Initializer.Add(VerifierGraph.Tensor(name + "_int8", TensorProto.Types.DataType.Int8, [rows, cols], MemoryMarshal.AsBytes(q.AsSpan())));
            graph.Initializer.Add(VerifierGraph.Tensor(name + "_scale", TensorProto.Types.DataType.Float, [cols], MemoryMarshal.AsBytes(scales.AsSpan())));
            graph.Initializer.Add(VerifierGraph.Tensor(name + "_zero", TensorProto.Types.DataType.Int8, [cols], new byte[cols]));
            node.OpType = "DynamicQuantizeMatMul";
            node.Domain = "com.microsoft";
            node.Input[1] = name + "_int8";
            node.Input.Add(name + "_scale");
            node.Input.Add(name + "_zero");
            quantized++;
        }

        if (!model.OpsetImport.Any(o => o.Domain == "com.microsoft"))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        }

        return quantized;
    }

    /// <summary>
    /// The word-embedding table (30522 × 384 floats, 47 MB: half the model) as int8 rows with one scale a row (8 bits,
    /// symmetric). Only the rows a batch looks up are turned back into floats: Gather(table_int8, ids) → Cast → Mul by
    /// Gather(scales, ids), exact float arithmetic after the rounding, so this costs nothing measurable at run time.
    /// </summary>
    public static void QuantizeWordEmbeddings(ModelProto model)
    {
        const float Limit = 127f;
        var graph = model.Graph;
        var table = graph.Initializer.Single(t => t.Name == WordEmbeddings);
        var gather = graph.Node.Single(n => n.OpType == "Gather" && n.Input[0] == WordEmbeddings);
        if (gather.Attribute.Any(a => a.Name == "axis" && a.I != 0))
        {
            throw new InvalidDataException("word-embedding Gather on an axis other than 0");
        }

        var (rows, cols) = ((int)table.Dims[0], (int)table.Dims[1]);
        var values = OnnxBertWeights.ToFloats(table);
        var scales = new float[rows];
        var q = new sbyte[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * cols, cols);
            var max = 0f;
            foreach (var v in row)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            scales[r] = max > 0 ? max / Limit : 1f;
            for (var c = 0; c < cols; c++)
            {
                q[(r * cols) + c] = (sbyte)Math.Clamp(MathF.Round(row[c] / scales[r]), -Limit, Limit);
            }
        }

        graph.Initializer.Remove(table);
        graph.Initializer.Add(VerifierGraph.Tensor(WordEmbeddings + "_int8", TensorProto.Types.DataType.Int8, [rows, cols], MemoryMarshal.AsBytes(q.AsSpan())));
        graph.Initializer.Add(VerifierGraph.Tensor(WordEmbeddings + "_scale", TensorProto.Types.DataType.Float, [rows, 1], MemoryMarshal.AsBytes(scales.AsSpan())));
        var (ids, output) = (gather.Input[1], gather.Output[0]);
        gather.Input[0] = WordEmbeddings + "_int8";
        gather.Output[0] = output + "_int8";
        var at = graph.Node.IndexOf(gather);
        NodeProto[] dequantize =
        [
            VerifierGraph.Node("Gather", [WordEmbeddings + "_scale", ids], output + "_scale"),
            VerifierGraph.Node("Cast", [output + "_int8"], output + "_float"),
            VerifierGraph.Node("Mul", [output + "_float", output + "_scale"], output),
        ];
        dequantize[1].Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (int)TensorProto.Types.DataType.Float });
        for (var i = 0; i < dequantize.Length; i++)
        {
            graph.Node.Insert(at + 1 + i, dequantize[i]);
        }
    }
}
