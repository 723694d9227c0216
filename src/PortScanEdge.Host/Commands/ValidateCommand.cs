using System.CommandLine;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge validate --config FILE</c>: checks a config file and reports every problem with its position.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var command = new Command(
            "validate",
            "Check a configuration file without starting anything. Exit 0 and a one-line summary when it is valid; " +
            "exit 2 and every problem as FILE:LINE:COLUMN: key.path: message when it is not.\n\n" +
            "Example:\n  portscan-edge validate --config /etc/portscan-edge/site.yaml")
        {
            config,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetRequiredValue(config);
            var result = ConfigLoader.LoadFile(path, ConfigPurpose.Validate);
            foreach (var warning in result.Warnings)
            {
                Console.Error.WriteLine("warning: " + warning);
            }

            if (!result.IsValid)
            {
                ConfigOption.WriteProblems(result);
                return ExitCodes.UsageOrConfig;
            }

            Console.Out.WriteLine($"{path}: valid — {ConfigOption.Summary(result.Options!)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
