namespace PortScanEdge.Core.Configuration;

/// <summary>How every lane of this gateway runs a vehicle through: decision policy and step timeouts.</summary>
public sealed class LaneControlOptions
{
    [Doc("True: a machine-clear vehicle (no alert, no radiation alarm, no hotlist hit, plate read) is released automatically. False: an operator decides every vehicle.")]
    public bool AutoReleaseClear { get; set; } = true;

    [Doc("Hotlist file: one plate or container code per line, optionally followed by ',' and a note; '#' starts a comment. Reloaded when it changes. Empty for none.")]
    public string HotlistFile { get; set; } = string.Empty;

    [Doc("How long plate reads are collected after the entry loop triggers before scanning starts.")]
    public TimeSpan IdentifyTimeout { get; set; } = TimeSpan.FromSeconds(3);

    [Doc("How long a scan may wait to start (scanner armed and accepting, interlock closed) before the vehicle is referred.")]
    public TimeSpan ScanStartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    [Doc("How long a started scan may take to complete (image announced and verified).")]
    public TimeSpan ScanTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Doc("How long analysis may take, including waiting for the shared detector.")]
    public TimeSpan AnalysisTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Doc("How long a released vehicle may take to clear the exit loop.")]
    public TimeSpan ExitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Doc("How many times the control room may have one vehicle scanned again (the rescan command) while it awaits a decision; 0 refuses every re-scan.")]
    [Bounds(0, 5)]
    public int MaxRescans { get; set; } = 2;

    [Doc("How many finished transactions per lane the gateway keeps in memory for the console.")]
    [Bounds(1, 500)]
    public int RecentTransactions { get; set; } = 20;
}
