using System.CommandLine;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge schema</c>: prints the config JSON Schema or Markdown reference generated from the option classes.</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format")
        {
            Description = "json (the JSON Schema editors use) or markdown (the reference in docs/).",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "markdown");
        var command = new Command(
            "schema",
            "Print the configuration's JSON Schema or Markdown reference, generated from the option classes.\n\n" +
            "Example:\n  portscan-edge schema > deploy/config/portscan-edge.schema.json\n" +
            "  portscan-edge schema --format markdown > docs/config-reference.md")
        {
            format,
        };
        command.SetAction(parseResult =>
        {
            Console.Out.Write(parseResult.GetValue(format) == "markdown" ? ConfigSchema.GenerateMarkdown() : ConfigSchema.GenerateJsonSchema());
            return ExitCodes.Success;
        });
        return command;
    }
}
