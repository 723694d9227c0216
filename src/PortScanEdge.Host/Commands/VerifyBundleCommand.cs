using System.CommandLine;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Bundles;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge verify-bundle FILE.zip</c>: checks a review bundle offline.</summary>
internal static class VerifyBundleCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("FILE.zip") { Description = "The review bundle to verify." };
        var publicKey = new Option<string?>("--public-key")
        {
            Description = "The issuing gateway's public key (PEM), obtained out of band. Without it the bundle's own key is used and its fingerprint printed for you to confirm.",
            HelpName = "PEM",
        };
        var checkpoint = new Option<string[]>("--checkpoint")
        {
            Description = "Checkpoints you hold (e.g. from the control room): JSON object, array or JSON lines; any within the bundle's proof must agree. Repeatable.",
            HelpName = "JSON",
        };
        var command = new Command(
            "verify-bundle",
            "Verify a review bundle offline: the audit entries chain to a signed checkpoint; every record, image and heat map matches " +
            "what the audit entries recorded; the manifest matches the files. Exit 0 when it verifies; 1 naming each difference " +
            "(a swapped image, a changed score, an altered decision, …); 2 on usage errors; 3 when the file is not a readable bundle.\n\n" +
            "Example:\n  portscan-edge verify-bundle case-0412.zip --public-key gw-north-1.pub.pem")
        {
            bundle,
            publicKey,
            checkpoint,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetRequiredValue(bundle);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"error: {path}: no such file");
                return ExitCodes.UsageOrConfig;
            }

            AuditPublicKey? key = null;
            try
            {
                if (parseResult.GetValue(publicKey) is { } keyPath)
                {
                    key = AuditPublicKey.FromFile(keyPath);
                }

                var held = AuditVerifier.ReadCheckpoints(parseResult.GetValue(checkpoint) ?? []);
                var result = ReviewBundleVerifier.Verify(path, key, held);
                if (result.Ok)
                {
                    Console.Out.WriteLine($"OK: {path}");
                    foreach (var note in result.Notes)
                    {
                        Console.Out.WriteLine("  " + note);
                    }

                    return ExitCodes.Success;
                }

                Console.Error.WriteLine($"FAILED: {path}: {result.Problems.Count} problem{(result.Problems.Count == 1 ? string.Empty : "s")}");
                foreach (var problem in result.Problems)
                {
                    Console.Error.WriteLine("  " + problem);
                }

                return result.Unreadable ? ExitCodes.InputRejected : ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is AuditKeyException or FormatException or FileNotFoundException)
            {
                Console.Error.WriteLine("error: " + ex.Message);
                return ExitCodes.UsageOrConfig;
            }
            finally
            {
                key?.Dispose();
            }
        });
        return command;
    }
}
