using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Host.Hosting;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge run --config FILE</c>: runs the gateway until SIGTERM or Ctrl+C.</summary>
internal static class RunCommand
{
    /// <summary>The command's name (Cli leaves its signals to the gateway host).</summary>
    public const string Name = "run";

    public static Command Create()
    {
        var config = ConfigOption.Create();
        var logFormat = new Option<string>("--log-format")
        {
            Description = "text (human-readable, default) or json (one object per line, for journald and log shippers).",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe level logged: Trace, Debug, Information, Warning, Error.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var command = new Command(
            Name,
            "Run the gateway: load and validate the config (exit 2 on any problem, nothing started), start the lane services " +
            "(exit 1 with the reason when the start fails, e.g. a model that breaks the contract), " +
            "and stop gracefully within 5 s on SIGTERM or Ctrl+C. Under systemd it reports readiness and feeds the watchdog.\n\n" +
            "Example:\n  portscan-edge run --config deploy/config/demo.yaml")
        {
            config,
            logFormat,
            logLevel,
        };
        command.SetAction(async parseResult =>
        {
            var result = ConfigLoader.LoadFile(parseResult.GetRequiredValue(config));
            if (!result.IsValid)
            {
                ConfigOption.WriteProblems(result);
                return ExitCodes.UsageOrConfig;
            }

            using var host = GatewayHost.Build(
                result.Options!,
                result.FullPath!,
                parseResult.GetValue(logFormat) == "json" ? LogFormat.Json : LogFormat.Text,
                parseResult.GetValue(logLevel));
            try
            {
                // The host's lifetime handles SIGTERM and Ctrl+C (GatewayLifetime): a stop requested while starting
                // waits for the start to finish; then the ordinary graceful stop runs. Signals repeated after it are
                // held while the process exits (ExitingSignals).
                await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
                await host.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
                ExitingSignals.Hold();
            }
            catch (OptionsValidationException ex)
            {
                foreach (var failure in ex.Failures)
                {
                    await Console.Error.WriteLineAsync($"{result.FullPath}: {failure}").ConfigureAwait(false);
                }

                return ExitCodes.UsageOrConfig;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or ModelContractException)
            {
                // A start that failed (no model, a model that breaks the contract, a device or directory that
                // cannot be opened): what had started is stopped, and the reason is the last line.
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"portscan-edge: the gateway could not start: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
