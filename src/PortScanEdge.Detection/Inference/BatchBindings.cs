namespace PortScanEdge.Detection.Inference;

/// <summary>
/// The tensor bindings of one workspace, one per batch size its scans need. A scan of T tiles at batch B runs
/// ⌊T / B⌋ full batches and, when B does not divide T, one batch of the remainder, so no inference is spent
/// on empty slots: a 2048 × 1024 scan (one tile) runs one batch of 1, not of 4; a 4096 × 2048 scan (9 tiles) at
/// batch 4 runs 4 + 4 + 1 tiles, not 12. A model exported with a fixed batch dictates it for every call (the slots
/// past the scan's last tile are then computed and ignored). Bindings are made on first use, so only the sizes a
/// site's scans need cost memory. Not thread-safe: one per workspace.
/// </summary>
public sealed class BatchBindings : IDisposable
{
    private readonly OnnxAnomalyModel model;
    private readonly ModelBinding?[] bySize;

    /// <summary>Bindings of at most <paramref name="batchSize"/> tiles per call (or the model's fixed batch).</summary>
    public BatchBindings(OnnxAnomalyModel model, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.model = model;
        bySize = new ModelBinding?[model.Contract.FixedBatch ?? batchSize];
    }

    /// <summary>The largest batch: tiles per call while at least that many remain.</summary>
    public int MaxBatch => bySize.Length;

    /// <summary>The binding for the next call when <paramref name="remainingTiles"/> tiles of a scan are left.</summary>
    public ModelBinding For(int remainingTiles)
    {
        var size = model.Contract.FixedBatch is null ? Math.Clamp(remainingTiles, 1, MaxBatch) : MaxBatch;
        return bySize[size - 1] ??= new ModelBinding(model, size);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var binding in bySize)
        {
            binding?.Dispose();
        }
    }
}
