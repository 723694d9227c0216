using System.CommandLine;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Hosting;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge audit verify|public-key</c>: checks an audit log offline; prints the gateway's public key.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var command = new Command(
            "audit",
            "The tamper-evident audit log (docs/audit-log.md): verify a log offline, or print the gateway's public key.\n\n" +
            "Example:\n  portscan-edge audit verify --log /var/lib/portscan-edge/audit/audit.log --public-key gw-north-1.pub.pem --checkpoint checkpoints.jsonl")
        {
            CreateVerify(),
            CreatePublicKey(),
        };
        return command;
    }

    private static Command CreateVerify()
    {
        var log = new Option<string>("--log")
        {
            Description = "The audit log file to verify.",
            Required = true,
            HelpName = "PATH",
        };
        var publicKey = new Option<string?>("--public-key")
        {
            Description = "The gateway's public key (PEM) obtained out of band. Without it the key the log names in its gateway_start entry is used.",
            HelpName = "PEM",
        };
        var checkpoint = new Option<string[]>("--checkpoint")
        {
            Description = "Published checkpoint(s): a JSON object, a JSON array or JSON lines (the control room's copy, or the gateway's checkpoints.jsonl). Repeatable.",
            HelpName = "JSON",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command(
            "verify",
            "Verify an audit log: every hash, link, sequence number and signature, and agreement with published checkpoints. " +
            "Exit 0 when intact; exit 1 naming the first bad entry and the kind of tampering (modified, deleted, inserted, reordered, " +
            "truncated, bad signature, checkpoint mismatch); exit 2 when an input cannot be read.\n\n" +
            "Example:\n  portscan-edge audit verify --log audit.log --public-key gw-north-1.pub.pem --checkpoint control-room-checkpoints.jsonl")
        {
            log,
            publicKey,
            checkpoint,
        };
        command.SetAction(parseResult =>
        {
            var logPath = parseResult.GetRequiredValue(log);
            if (!File.Exists(logPath))
            {
                Console.Error.WriteLine($"error: {logPath}: no such file");
                return ExitCodes.UsageOrConfig;
            }

            AuditPublicKey? key = null;
            try
            {
                if (parseResult.GetValue(publicKey) is { } keyPath)
                {
                    key = AuditPublicKey.FromFile(keyPath);
                }

                var checkpoints = AuditVerifier.ReadCheckpoints(parseResult.GetValue(checkpoint) ?? []);
                var result = AuditVerifier.Verify(logPath, key, checkpoints);
                (result.Ok ? Console.Out : Console.Error).WriteLine(AuditVerifier.Describe(result, logPath));
                return result.Ok ? ExitCodes.Success : ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is AuditKeyException or FormatException or FileNotFoundException)
            {
                Console.Error.WriteLine("error: " + ex.Message);
                return ExitCodes.UsageOrConfig;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {logPath}: cannot be read: {ex.Message}");
                return ExitCodes.UsageOrConfig;
            }
            finally
            {
                key?.Dispose();
            }
        });
        return command;
    }

    private static Command CreatePublicKey()
    {
        var config = ConfigOption.Create();
        var command = new Command(
            "public-key",
            "Print the gateway's audit public key (PEM) and its fingerprint, for the control room and reviewers. " +
            "Reads the key file named in the config (audit.key_file); creates nothing.\n\n" +
            "Example:\n  portscan-edge audit public-key --config /etc/portscan-edge/site.yaml > gw-north-1.pub.pem")
        {
            config,
        };
        command.SetAction(parseResult =>
        {
            var result = ConfigLoader.LoadFile(parseResult.GetRequiredValue(config));
            if (!result.IsValid)
            {
                ConfigOption.WriteProblems(result);
                return ExitCodes.UsageOrConfig;
            }

            try
            {
                var settings = AuditServiceCollectionExtensions.CreateSettings(result.Options!);
                if (!File.Exists(settings.KeyPath))
                {
                    Console.Error.WriteLine($"error: {settings.KeyPath}: no audit key yet; the gateway creates it on first start");
                    return ExitCodes.Failure;
                }

                using var key = AuditSigningKey.Load(settings.KeyPath, settings.KeyPassphrase);
                Console.Out.Write(key.PublicKey.Pem);
                Console.Error.WriteLine($"fingerprint (SHA-256 of the DER public key): {key.PublicKey.Fingerprint}");
                return ExitCodes.Success;
            }
            catch (AuditKeyException ex)
            {
                Console.Error.WriteLine("error: " + ex.Message);
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
