namespace PortScanEdge.Integrity.Audit;

/// <summary>What an audit entry records. Written in the log as the snake_case word (see <see cref="AuditKinds"/>).</summary>
public enum AuditKind
{
    /// <summary>A vehicle transaction: image and model hashes, score, threshold, verdict, decision, outcome.</summary>
    Transaction,

    /// <summary>An operator's (or the policy's) release or referral decision, with its reason.</summary>
    Decision,

    /// <summary>A vehicle the machine referred was released: who, who authorised it, and why.</summary>
    Override,

    /// <summary>The configuration changed: its hash and a summary of what changed.</summary>
    ConfigChange,

    /// <summary>A detection model was loaded: name, version and SHA-256.</summary>
    ModelLoad,

    /// <summary>A device reported a fault or stopped answering.</summary>
    DeviceFault,

    /// <summary>A command was received (control room or console) and what became of it.</summary>
    Command,

    /// <summary>The gateway started: version, config hash, the public key that signs the log.</summary>
    GatewayStart,

    /// <summary>The gateway stopped cleanly.</summary>
    GatewayStop,

    /// <summary>Start-up found a torn tail (a crash mid-write) and truncated it to the last valid entry.</summary>
    Recovered,

    /// <summary>Archived transactions deleted by the retention policy: which, why, and their record hashes.</summary>
    ArchivePruned,
}

/// <summary>The wire words of <see cref="AuditKind"/>.</summary>
public static class AuditKinds
{
    private static readonly Dictionary<string, AuditKind> ByWord = Enum.GetValues<AuditKind>().ToDictionary(ToWord, k => k, StringComparer.Ordinal);

    /// <summary>Every kind's word, in declaration order.</summary>
    public static IReadOnlyList<string> Words { get; } = Enum.GetValues<AuditKind>().Select(ToWord).ToArray();

    /// <summary>The snake_case word written in the log (e.g. <c>config_change</c>).</summary>
    public static string ToWord(AuditKind kind) => kind switch
    {
        AuditKind.Transaction => "transaction",
        AuditKind.Decision => "decision",
        AuditKind.Override => "override",
        AuditKind.ConfigChange => "config_change",
        AuditKind.ModelLoad => "model_load",
        AuditKind.DeviceFault => "device_fault",
        AuditKind.Command => "command",
        AuditKind.GatewayStart => "gateway_start",
        AuditKind.GatewayStop => "gateway_stop",
        AuditKind.Recovered => "recovered",
        AuditKind.ArchivePruned => "archive_pruned",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a kind word; false for anything else.</summary>
    public static bool TryParse(string word, out AuditKind kind) => ByWord.TryGetValue(word, out kind);
}
