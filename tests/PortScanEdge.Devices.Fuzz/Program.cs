using PortScanEdge.Devices.Fuzz;
using SharpFuzz;

// Usage (see README.md):  PortScanEdge.Devices.Fuzz scanner|plate [FILE...]
// With files: replays them once (reproduce a finding). Without: runs under AFL++ via SharpFuzz.
if (args.Length == 0 || args[0] is not ("scanner" or "plate"))
{
    Console.Error.WriteLine("usage: PortScanEdge.Devices.Fuzz scanner|plate [FILE...]");
    return 2;
}

string target = args[0];
if (args.Length > 1)
{
    foreach (string file in args[1..])
    {
        FuzzTargets.Run(target, File.ReadAllBytes(file));
        Console.WriteLine($"ok {file}");
    }

    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    FuzzTargets.Run(target, memory.ToArray());
});
return 0;
