using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Devices.PlateReaders;

/// <summary>One candidate reading.</summary>
/// <param name="Text">Normalised text: upper case, spaces and dashes removed.</param>
/// <param name="Confidence">Confidence in percent, 0..100.</param>
/// <param name="Container">The ISO 6346 interpretation when the text is a container code.</param>
public sealed record PlateCandidate(string Text, double Confidence, ContainerCode? Container = null);

/// <summary>
/// One read of a plate or container code: the top-N candidates, best first. A container code with a wrong check
/// digit is kept but its confidence is capped at <see cref="PlateReadProcessor.InvalidCheckDigitConfidenceCap"/>.
/// </summary>
/// <param name="ReaderId">The reader's device id.</param>
/// <param name="Position">Front or rear.</param>
/// <param name="At">When the gateway received it.</param>
/// <param name="Candidates">Best first, at most top_n, never empty.</param>
public sealed record PlateRead(string ReaderId, PlateReaderPosition Position, DateTimeOffset At, IReadOnlyList<PlateCandidate> Candidates)
{
    /// <summary>The best candidate.</summary>
    public PlateCandidate Best => Candidates[0];
}
