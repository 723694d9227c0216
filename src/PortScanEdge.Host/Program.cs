using System.CommandLine;
using PortScanEdge.Host;
using PortScanEdge.Host.Commands;

// The command list: one line per command, each defined in Commands/<Name>Command.cs.
Command[] commands =
[
    RunCommand.Create(),
    ValidateCommand.Create(),
    SchemaCommand.Create(),
    AnalyzeCommand.Create(),
    BenchCommand.Create(),
    SynthCommand.Create(),
    EvaluateCommand.Create(),
    AuditCommand.Create(),
    EmulateCommand.Create(),
    ExportCommand.Create(),
    VerifyBundleCommand.Create(),
    OperatorsCommand.Create(),
];

return await Cli.InvokeAsync(args, commands).ConfigureAwait(false);
