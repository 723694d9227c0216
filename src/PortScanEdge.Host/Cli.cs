using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace PortScanEdge.Host;

/// <summary>Exit codes shared by every command.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>A runtime failure not covered by a more specific code.</summary>
    public const int Failure = 1;

    /// <summary>Usage error (unknown option, missing argument) or an invalid configuration.</summary>
    public const int UsageOrConfig = 2;

    /// <summary>Some input was rejected (e.g. <c>analyze</c> on a malformed image).</summary>
    public const int InputRejected = 3;
}

/// <summary>The <c>portscan-edge</c> command line: parsing, version, usage errors and exit codes.</summary>
internal static class Cli
{
    /// <summary>The version line, e.g. <c>portscan-edge 0.1.0 (commit 1a2b3c4)</c>.</summary>
    public static string VersionLine
    {
        get
        {
            var informational = typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            var version = plus >= 0 ? informational[..plus] : informational;
            var commit = plus >= 0 ? informational[(plus + 1)..] : "unknown";
            if (commit.Length > 12)
            {
                commit = commit[..12];
            }

            return $"portscan-edge {version} (commit {commit})";
        }
    }

    public static async Task<int> InvokeAsync(string[] args, IEnumerable<Command> commands)
    {
        var root = new RootCommand(
            "PortScanEdge: the edge gateway of a border inspection lane — scanner and plate readers over serial, lane I/O over GPIO, " +
            "ONNX anomaly detection on every radiograph, records to the control room over MQTT.\n\n" +
            "Example:\n  portscan-edge run --config deploy/config/demo.yaml");
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersionAction();
            }
        }

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            var commandName = parseResult.CommandResult.Command is RootCommand ? string.Empty : " " + parseResult.CommandResult.Command.Name;
            await Console.Error.WriteLineAsync($"Run 'portscan-edge{commandName} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.UsageOrConfig;
        }

        try
        {
            // `run` leaves signals to the gateway host (GatewayLifetime: a graceful stop within the host's shutdown
            // timeout, never mid-start); System.CommandLine's own handling would return 2 s after the signal and cut
            // that stop short. The other commands keep it: Ctrl+C cancels their token.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            if (parseResult.CommandResult.Command.Name == Commands.RunCommand.Name && parseResult.CommandResult.Command.Parents.FirstOrDefault() is RootCommand)
            {
                invocation.ProcessTerminationTimeout = null;
            }

            return await parseResult.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Success;
        }
        catch (Exception ex)
        {
            // A bug or an environment failure: say what happened in one line; the detail goes to the log, not the operator.
            await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine(VersionLine);
            return ExitCodes.Success;
        }
    }
}
