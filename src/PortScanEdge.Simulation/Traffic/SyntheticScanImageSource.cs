using System.Collections.Concurrent;
using PortScanEdge.Core.Imaging;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Radiographs;

namespace PortScanEdge.Simulation.Traffic;

/// <summary>What the traffic generator decided about the next vehicle a scanner will see.</summary>
/// <param name="Seed">Generator seed of the vehicle's radiograph.</param>
/// <param name="WithConcealment">True to draw a concealment.</param>
public sealed record VehiclePlan(long Seed, bool WithConcealment);

/// <summary>
/// Serves emulated scanners with the radiographs of planned vehicles: synthetic ones (<see cref="RadiographGenerator"/>),
/// or files of a <see cref="ScanReplaySet"/>. The traffic generator queues a plan per scanner before each vehicle; a scan
/// with no plan gets a normal vehicle. Thread-safe.
/// </summary>
public sealed class SyntheticScanImageSource : IScanImageSource
{
    /// <summary>How many recent transactions <see cref="PlanOf"/> remembers.</summary>
    public const int RememberedTransactions = 256;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<VehiclePlan>> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VehiclePlan> _byTransaction = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _transactions = new();
    private readonly ScanReplaySet? _replay;
    private long _fallbackSeed = 1_000_000;

    /// <summary>Creates a source that generates every radiograph, or replays <paramref name="replay"/>'s files.</summary>
    public SyntheticScanImageSource(ScanReplaySet? replay = null) => _replay = replay;

    /// <summary>Queues the plan for the next scan on <paramref name="scannerId"/>.</summary>
    public void Plan(string scannerId, VehiclePlan plan) =>
        _plans.GetOrAdd(scannerId, _ => new ConcurrentQueue<VehiclePlan>()).Enqueue(plan);

    /// <summary>
    /// The plan one of the last <see cref="RememberedTransactions"/> transactions' radiographs was drawn from (null when
    /// unknown or forgotten), for checks in tests.
    /// </summary>
    public VehiclePlan? PlanOf(string transactionId) => _byTransaction.GetValueOrDefault(transactionId);

    /// <inheritdoc />
    public Task<byte[]> RenderAsync(ScanImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Both images of a dual-energy pair come from one plan: take it on the first image only.
        if (!_byTransaction.TryGetValue(request.TransactionId, out var plan))
        {
            plan = _plans.TryGetValue(request.ScannerId, out var queue) && queue.TryDequeue(out var queued)
                ? queued
                : new VehiclePlan(Interlocked.Increment(ref _fallbackSeed), false);
            Remember(request.TransactionId, plan);
        }

        if (_replay is not null)
        {
            return File.ReadAllBytesAsync(_replay.Pick(plan).Path, cancellationToken);
        }

        // Rendering a 2048-pixel radiograph takes a while: keep it off the emulator's protocol loop.
        return Task.Run(
            () =>
            {
                var radiograph = RadiographGenerator.Render(plan.Seed, request.Width, request.Height, plan.WithConcealment, dualEnergy: request.Energy != EnergyKind.SingleEnergy);
                var pixels = request.Energy == EnergyKind.Low && radiograph.LowEnergy is { } low ? low : radiograph.HighEnergy;
                return PngWriter.EncodeGrey16(pixels, radiograph.Width, radiograph.Height);
            },
            cancellationToken);
    }

    private void Remember(string transactionId, VehiclePlan plan)
    {
        if (_byTransaction.TryAdd(transactionId, plan))
        {
            _transactions.Enqueue(transactionId);
            while (_transactions.Count > RememberedTransactions && _transactions.TryDequeue(out var oldest))
            {
                _byTransaction.TryRemove(oldest, out _);
            }
        }
    }
}
