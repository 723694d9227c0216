using System.CommandLine;
using PortScanEdge.Host.Web;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge operators add|list</c>: manages the operator console's credentials file.</summary>
internal static class OperatorsCommand
{
    public static Command Create()
    {
        var command = new Command(
            "operators",
            "Manage who may sign in at the operator console (the file named by web.credentials_file).\n\n" +
            "Example:\n  echo 4711 | portscan-edge operators add --file /etc/portscan-edge/operators.db --id anna --role supervisor")
        {
            CreateAdd(),
            CreateList(),
        };
        return command;
    }

    private static Command CreateAdd()
    {
        var file = new Option<string>("--file") { Description = "Credentials file (created when missing, mode 0600).", Required = true };
        var id = new Option<string>("--id") { Description = "Operator id: 1–32 letters, digits, '.', '_' or '-'.", Required = true };
        var role = new Option<OperatorRole>("--role") { Description = "operator or supervisor (supervisors authorise overrides).", DefaultValueFactory = _ => OperatorRole.Operator };
        var command = new Command(
            "add",
            "Add an operator, or replace their PIN. The PIN (4–32 digits) is read from the first line of standard input, never from the command line.\n\n" +
            "Example:\n  echo 4711 | portscan-edge operators add --file operators.db --id anna --role supervisor")
        {
            file, id, role,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetRequiredValue(file);
            var operatorId = parseResult.GetRequiredValue(id);
            if (!OperatorCredentials.IsValidOperatorId(operatorId))
            {
                Console.Error.WriteLine($"error: --id '{operatorId}' must be 1–32 letters, digits, '.', '_' or '-'");
                return ExitCodes.UsageOrConfig;
            }

            var pin = Console.In.ReadLine()?.Trim();
            if (!OperatorCredentials.IsValidPin(pin))
            {
                Console.Error.WriteLine($"error: the PIN on standard input must be {OperatorCredentials.MinimumPinLength}–{OperatorCredentials.MaximumPinLength} digits");
                return ExitCodes.InputRejected;
            }

            var existing = File.Exists(path) ? File.ReadAllLines(path) : [];
            var parsed = OperatorCredentials.Parse(string.Join('\n', existing), out var problems);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    Console.Error.WriteLine($"error: {path}: {problem}");
                }

                return ExitCodes.InputRejected;
            }

            var lines = existing.Where(l => !l.StartsWith(operatorId + ":", StringComparison.Ordinal)).ToList();
            if (lines.Count == 0)
            {
                lines.Add("# PortScanEdge operator console credentials: id:role:pbkdf2-sha256:iterations:salt:hash (see docs/operator-console.md)");
            }

            var replaced = parsed.Entries.Any(e => e.OperatorId == operatorId);
            lines.Add(OperatorCredentials.Format(OperatorCredentials.Create(operatorId, parseResult.GetValue(role), pin!)));
            var temporary = path + ".tmp";
            File.WriteAllLines(temporary, lines);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: true);
            Console.Out.WriteLine($"{path}: {(replaced ? "replaced" : "added")} {operatorId} ({parseResult.GetValue(role).ToString().ToLowerInvariant()})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateList()
    {
        var file = new Option<string>("--file") { Description = "Credentials file.", Required = true };
        var command = new Command("list", "List the operator ids and roles in a credentials file (never the hashes).\n\nExample:\n  portscan-edge operators list --file operators.db")
        {
            file,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetRequiredValue(file);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"error: {path}: no such file");
                return ExitCodes.InputRejected;
            }

            var credentials = OperatorCredentials.Parse(File.ReadAllText(path), out var problems);
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"error: {path}: {problem}");
            }

            foreach (var entry in credentials.Entries.OrderBy(e => e.OperatorId, StringComparer.Ordinal))
            {
                Console.Out.WriteLine($"{entry.OperatorId}\t{entry.Role.ToString().ToLowerInvariant()}");
            }

            return problems.Count == 0 ? ExitCodes.Success : ExitCodes.InputRejected;
        });
        return command;
    }
}
