using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PortScanEdge.Detection.Inference;

/// <summary>
/// Input and output tensors of one workspace, allocated once on the pinned object heap and bound once to an
/// <see cref="OrtIoBinding"/>; every inference call afterwards reuses them (no per-frame allocation, no copy
/// out of ONNX Runtime). Not thread-safe: one binding per workspace.
/// Ownership: <see cref="Input"/>, <see cref="Scores"/> and <see cref="Maps"/> belong to this binding and are
/// valid until the next <see cref="Run"/>.
/// </summary>
public sealed class ModelBinding : IDisposable
{
    private readonly OnnxAnomalyModel model;
    private readonly OrtIoBinding binding;
    private readonly RunOptions runOptions = new();
    private readonly List<OrtValue> values = [];

    /// <summary>Binds tensors for <paramref name="batchSize"/> tiles per call.</summary>
    public ModelBinding(OnnxAnomalyModel model, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var contract = model.Contract;
        if (contract.FixedBatch is { } fixedBatch && fixedBatch != batchSize)
        {
            batchSize = fixedBatch; // A model exported with a fixed batch dictates it.
        }

        this.model = model;
        BatchSize = batchSize;
        TileLength = contract.InputHeight * contract.InputWidth;
        Input = GC.AllocateArray<float>(batchSize * contract.Channels * TileLength, pinned: true);
        Scores = GC.AllocateArray<float>(batchSize, pinned: true);
        Maps = GC.AllocateArray<float>(batchSize * TileLength, pinned: true);
        binding = model.Session.CreateIoBinding();
        try
        {
            binding.BindInput(ModelContract.InputName, Track(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Input.AsMemory(), [batchSize, contract.Channels, contract.InputHeight, contract.InputWidth])));
            foreach (var (name, type, shape) in model.Outputs)
            {
                var concrete = new long[shape.Length];
                for (var i = 0; i < shape.Length; i++)
                {
                    concrete[i] = i == 0 ? batchSize : shape[i] > 0 ? shape[i] : (i == shape.Length - 2 ? contract.InputHeight : i == shape.Length - 1 ? contract.InputWidth : 1);
                }

                OrtValue value = name switch
                {
                    ModelContract.ScoreName => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Scores.AsMemory(), concrete),
                    ModelContract.MapName => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Maps.AsMemory(), concrete),
                    // Optional outputs (pred_label, pred_mask) are bound to scratch buffers the gateway never reads:
                    // it applies its own thresholds, but binding them keeps ONNX Runtime from allocating per run.
                    _ when type == TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, GC.AllocateArray<bool>((int)Product(concrete), pinned: true).AsMemory(), concrete),
                    _ => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, GC.AllocateArray<float>((int)Product(concrete), pinned: true).AsMemory(), concrete),
                };
                binding.BindOutput(name, Track(value));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Tiles per inference call.</summary>
    public int BatchSize { get; }

    /// <summary>Pixels in one tile (input height × width).</summary>
    public int TileLength { get; }

    /// <summary>The bound input, [batch, channels, height, width] row-major.</summary>
    public float[] Input { get; }

    /// <summary>The bound <c>pred_score</c> output, one score per batch slot.</summary>
    public float[] Scores { get; }

    /// <summary>The bound <c>anomaly_map</c> output, [batch, height, width] row-major.</summary>
    public float[] Maps { get; }

    /// <summary>Runs the network on the current <see cref="Input"/>; results land in <see cref="Scores"/> and <see cref="Maps"/>.</summary>
    public void Run() => model.Session.RunWithBinding(runOptions, binding);

    private OrtValue Track(OrtValue value)
    {
        values.Add(value);
        return value;
    }

    private static long Product(long[] shape)
    {
        long product = 1;
        foreach (var d in shape)
        {
            product *= d;
        }

        return product;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        binding.Dispose();
        foreach (var value in values)
        {
            value.Dispose();
        }

        runOptions.Dispose();
    }
}
