using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Export;

/// <summary>
/// Turns the MiniLM graph into the verifier's: the linear head on [CLS] goes into the graph, whose only output is
/// then "logit" [batch]; the nodes and initializers no longer needed for it (the pooler) are dropped.
/// </summary>
internal static class VerifierGraph
{
    private const string HiddenState = "last_hidden_state";

    public static void AddHead(ModelProto model, float[] weight, float bias)
    {
        var graph = model.Graph;
        graph.Initializer.Add(Tensor("verifier.cls_index", TensorProto.Types.DataType.Int64, [], MemoryMarshal.AsBytes<long>([0])));
        graph.Initializer.Add(Tensor("classifier.weight", TensorProto.Types.DataType.Float, [weight.Length, 1], MemoryMarshal.AsBytes(weight.AsSpan())));
        graph.Initializer.Add(Tensor("classifier.bias", TensorProto.Types.DataType.Float, [1], MemoryMarshal.AsBytes<float>([bias])));
        graph.Initializer.Add(Tensor("verifier.squeeze_axes", TensorProto.Types.DataType.Int64, [1], MemoryMarshal.AsBytes<long>([1])));
        var cls = Node("Gather", [HiddenState, "verifier.cls_index"], "verifier.cls");
        cls.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(cls);
        graph.Node.Add(Node("MatMul", ["verifier.cls", "classifier.weight"], "verifier.projected"));
        graph.Node.Add(Node("Add", ["verifier.projected", "classifier.bias"], "verifier.logit_column"));
        graph.Node.Add(Node("Squeeze", ["verifier.logit_column", "verifier.squeeze_axes"], PairVerifierModel.Output));
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto
        {
            Name = PairVerifierModel.Output,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "batch" } } },
                },
            },
        });
        Prune(graph);
    }

    public static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> data) =>
        new() { Name = name, DataType = (int)type, Dims = { dims }, RawData = ByteString.CopyFrom(data) };

    public static NodeProto Node(string op, string[] inputs, string output) =>
        new() { OpType = op, Name = output, Input = { inputs }, Output = { output } };

    /// <summary>Keeps the nodes the outputs depend on (in their order, so still sorted) and the initializers they read.</summary>
    private static void Prune(GraphProto graph)
    {
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(x => x.Output, x => x.Node);
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var kept = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>(graph.Output.Select(o => o.Name));
        while (pending.TryPop(out var value))
        {
            if (needed.Add(value) && producers.TryGetValue(value, out var node) && kept.Add(node))
            {
                foreach (var input in node.Input.Where(i => i.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }

        var nodes = graph.Node.Where(kept.Contains).ToList();
        graph.Node.Clear();
        graph.Node.Add(nodes);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.Add(initializers);
        var known = graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList();
        graph.ValueInfo.Clear();
        graph.ValueInfo.Add(known);
    }
}
