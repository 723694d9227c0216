using System.Diagnostics;
using System.Security.Cryptography;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Devices.Tests.Scanner;

/// <summary>Driver ↔ emulator conversations over real pseudo-terminals: the happy path and every injected fault.</summary>
public sealed class ScannerConversationTests
{
    [Fact]
    public async Task Scan_HappyPath_ImagesVerifiedAndCopiedWithAnnouncedHash()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        Assert.Equal("Emulated portal", rig.Driver.Snapshot.Identity?.Model);

        var seen = new List<ScannerEvent>();
        Assert.True((await rig.Driver.ArmAsync()).IsAccepted);
        ScannerCommandResult started = await rig.Driver.StartScanAsync("01J9Z3TX0001");
        Assert.True(started.IsAccepted, started.Message);
        ScanCompleted done = await rig.NextEventAsync<ScanCompleted>(seen);

        Assert.Contains(seen, e => e is ScanStarted { TransactionId: "01J9Z3TX0001" });
        Assert.Contains(seen, e => e is XrayChanged { On: true });
        Assert.Contains(seen, e => e is XrayChanged { On: false });
        Assert.Equal("01J9Z3TX0001", done.TransactionId);
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        VerifiedImage image = Assert.Single(done.Handover.Images);
        Assert.StartsWith(rig.StoreDirectory, image.Path, StringComparison.Ordinal);
        Assert.Equal(image.Announced.Sha256, SHA256.HashData(await File.ReadAllBytesAsync(image.Path)));
        Assert.Equal(EnergyKind.SingleEnergy, image.Announced.Energy);
        Assert.Equal(16, image.Announced.BitDepth);
        Assert.Equal(DeviceHealthState.Connected, rig.Driver.Health.State);
    }

    [Fact]
    public async Task Scan_DualEnergy_BothImagesVerified()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(e => e.DualEnergy = true);
        ScanCompleted done = await rig.ScanAsync("dual-1");
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.Equal([EnergyKind.Low, EnergyKind.High], done.Handover.Images.Select(i => i.Announced.Energy));
    }

    [Fact]
    public async Task Scan_SpoolFull_TheEmulatorRotatesItsOldestImagesOut()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(e => e.SpoolKeep = 2);
        foreach (var id in new[] { "rot-1", "rot-2", "rot-3" })
        {
            ScanCompleted done = await rig.ScanAsync(id);
            Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        }

        // The gateway's copies are all there; the scanner's share keeps its last two.
        Assert.Equal(3, Directory.GetDirectories(rig.StoreDirectory).Length);
        Assert.Equal(["scanner-1-rot-2-single.png", "scanner-1-rot-3-single.png"], Directory.GetFiles(rig.Options.SpoolDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Arm_InterlockOpen_RejectedWithReason()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        await rig.Emulator.SetInterlockAsync(false);
        await rig.NextEventAsync<InterlockChanged>();
        ScannerCommandResult result = await rig.Driver.ArmAsync();
        Assert.Equal(ScannerCommandOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectReason.InterlockOpen, result.RejectReason);
        Assert.False(rig.Driver.Snapshot.InterlockClosed);
    }

    [Fact]
    public async Task StartScan_NotArmed_RejectedInvalidState()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        ScannerCommandResult result = await rig.Driver.StartScanAsync("tx-1");
        Assert.Equal(ScannerCommandOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectReason.InvalidState, result.RejectReason);
    }

    [Fact]
    public async Task StartScan_InvalidTransactionId_RejectedWithoutSending()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        ScannerCommandResult result = await rig.Driver.StartScanAsync("../../etc/passwd");
        Assert.Equal(RejectReason.Malformed, result.RejectReason);
        Assert.Equal(0, rig.Emulator.Statistics.CommandsRejected);
    }

    [Fact]
    public async Task Fault_GarbageBetweenFrames_ScanStillSucceedsAndGarbageCounted()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.GarbageBurstBytes = 200;
        rig.Emulator.Faults.InjectGarbage(10);
        ScanCompleted done = await rig.ScanAsync("garbage-1");
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.True(rig.Driver.Statistics.Link.Decoder.GarbageBytes >= 1000, $"{rig.Driver.Statistics.Link.Decoder}");
    }

    [Fact]
    public async Task Fault_BadCrc_GatewayNaksAndRetransmissionDelivers()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.CorruptCrc(2);
        ScanCompleted done = await rig.ScanAsync("crc-1");
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.True(rig.Driver.Statistics.Link.Decoder.CrcErrors >= 2);
        Assert.True(rig.Driver.Statistics.Link.NaksSent >= 2);
        Assert.True(rig.Emulator.LinkStatistics!.Value.Retransmissions >= 2);
    }

    [Fact]
    public async Task Fault_DroppedFrames_RecoveredByRetransmission()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.DropFrames(2);
        ScanCompleted done = await rig.ScanAsync("drop-1");
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.True(rig.Emulator.LinkStatistics!.Value.Retransmissions >= 2);
        Assert.Equal(DeviceHealthState.Connected, rig.Driver.Health.State);
    }

    [Fact]
    public async Task Fault_DuplicatedFrames_DeliveredOnceAndCounted()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.DuplicateFrames(3);
        var seen = new List<ScannerEvent>();
        Assert.True((await rig.Driver.ArmAsync()).IsAccepted);
        Assert.True((await rig.Driver.StartScanAsync("dup-1")).IsAccepted);
        await rig.NextEventAsync<ScanCompleted>(seen);
        Assert.Single(seen, e => e is ScannerReady);
        Assert.Single(seen, e => e is ScanStarted);
        Assert.True(rig.Driver.Statistics.Link.Duplicates >= 3, $"{rig.Driver.Statistics.Link}");
    }

    [Fact]
    public async Task Fault_SlowResponses_WithinTimeoutAccepted()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.ResponseDelay = TimeSpan.FromMilliseconds(400);
        var clock = Stopwatch.StartNew();
        ScannerCommandResult result = await rig.Driver.ArmAsync();
        Assert.True(result.IsAccepted, result.Message);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350));
    }

    [Fact]
    public async Task Fault_TooSlowResponse_TimedOutResult()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.ResponseDelay = ScannerDriver.CommandResponseTimeout + TimeSpan.FromMilliseconds(700);
        ScannerCommandResult result = await rig.Driver.ArmAsync();
        Assert.Equal(ScannerCommandOutcome.TimedOut, result.Outcome);
    }

    [Fact]
    public async Task Fault_ScannerFaultCode_HealthFaultedWithReasonThenResetClears()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        Task<DeviceHealth> faulted = rig.WaitForHealthAsync(DeviceHealthState.Faulted);
        await rig.Emulator.RaiseFaultAsync(ScannerFaultCodes.OverTemperature, "detector at 71 C");
        ScannerFaulted fault = await rig.NextEventAsync<ScannerFaulted>();
        Assert.Equal(ScannerFaultCodes.OverTemperature, fault.Code);
        DeviceHealth health = await faulted;
        Assert.Contains("scanner fault 4: detector at 71 C", health.Reason, StringComparison.Ordinal);

        ScannerCommandResult arm = await rig.Driver.ArmAsync();
        Assert.Equal(RejectReason.Faulted, arm.RejectReason);

        Task<DeviceHealth> connected = rig.WaitForHealthAsync(DeviceHealthState.Connected, includeCurrent: false);
        Assert.True((await rig.Driver.ResetFaultAsync()).IsAccepted);
        await connected;
        Assert.Equal(0, rig.Driver.Snapshot.FaultCode);
    }

    [Fact]
    public async Task Fault_InterlockOpenedDuringScan_Fault1AndNoScanComplete()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(e => e.ScanDuration = TimeSpan.FromSeconds(5));
        Assert.True((await rig.Driver.ArmAsync()).IsAccepted);
        Assert.True((await rig.Driver.StartScanAsync("ilk-1")).IsAccepted);
        await rig.NextEventAsync<XrayChanged>();
        await rig.Emulator.SetInterlockAsync(false);
        ScannerFaulted fault = await rig.NextEventAsync<ScannerFaulted>();
        Assert.Equal(ScannerFaultCodes.InterlockOpenedDuringScan, fault.Code);
        Assert.False(rig.Driver.Snapshot.XrayOn);
    }

    [Fact]
    public async Task Fault_HashMismatch_ImageIntegrityFailedAndNothingHandedOn()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        rig.Emulator.Faults.HashMismatch();
        ScanCompleted done = await rig.ScanAsync("hash-1");
        Assert.False(done.Handover.IsVerified);
        Assert.Equal(ImageHandoverResult.ImageIntegrityFailed, done.Handover.OutcomeCode);
        Assert.Contains("SHA-256 mismatch", done.Handover.Reason, StringComparison.Ordinal);
        Assert.Empty(done.Handover.Images);
        Assert.False(Directory.Exists(Path.Combine(rig.StoreDirectory, "hash-1")));

        // The next scan is fine again.
        ScanCompleted next = await rig.ScanAsync("hash-2");
        Assert.True(next.Handover.IsVerified, next.Handover.Reason);
    }

    [Fact]
    public async Task Fault_SizeMismatch_ImageIntegrityFailed()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(configureDriver: d => d.ImageWaitTimeout = TimeSpan.FromMilliseconds(300));
        rig.Emulator.Faults.SizeMismatch();
        ScanCompleted done = await rig.ScanAsync("size-1");
        Assert.Equal(ImageHandoverResult.ImageIntegrityFailed, done.Handover.OutcomeCode);
        Assert.Contains("timeout", done.Handover.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fault_MissingFile_ImageIntegrityFailedAfterBoundedWait()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(configureDriver: d => d.ImageWaitTimeout = TimeSpan.FromMilliseconds(300));
        rig.Emulator.Faults.MissingFile();
        ScanCompleted done = await rig.ScanAsync("missing-1");
        Assert.Equal(ImageHandoverResult.ImageIntegrityFailed, done.Handover.OutcomeCode);
        Assert.Contains("absent", done.Handover.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fault_MissingFileThenScannerFault_FaultReportedBeforeTheBoundedWaitEnds()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync(configureDriver: d => d.ImageWaitTimeout = TimeSpan.FromSeconds(8));
        rig.Emulator.Faults.MissingFile();
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Emulator.ScanAnnounced += (_, _) => announced.TrySetResult();
        Assert.True((await rig.Driver.ArmAsync()).IsAccepted);
        Assert.True((await rig.Driver.StartScanAsync("slowshare-1")).IsAccepted);

        // SCAN_COMPLETE is on the gateway's side of the line before the fault is raised.
        await announced.Task.WaitAsync(ScannerRig.Patience);
        await rig.Emulator.RaiseFaultAsync(ScannerFaultCodes.DetectorFault, "detector fault");
        var before = new List<ScannerEvent>();
        ScannerFaulted fault = await rig.NextEventAsync<ScannerFaulted>(before);
        Assert.Equal(ScannerFaultCodes.DetectorFault, fault.Code);
        Assert.DoesNotContain(before, e => e is ScanCompleted);

        ScanCompleted done = await rig.NextEventAsync<ScanCompleted>();
        Assert.Contains("absent", done.Handover.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fault_UnknownAndMalformedEvents_CountedLinkStaysUp()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        await rig.Emulator.SendUnknownEventAsync(0x7E);
        await rig.Emulator.SendMalformedEventAsync();
        ScannerCommandResult status = await rig.Driver.GetStatusAsync();
        Assert.True(status.IsAccepted, status.Message);
        Assert.Equal(1, rig.Driver.Statistics.UnknownFrames);
        Assert.Equal(1, rig.Driver.Statistics.MalformedEvents);
        Assert.Equal(DeviceHealthState.Connected, rig.Driver.Health.State);
    }

    [Fact]
    public async Task Fault_Disconnect_ReconnectingWithReasonThenConnectedAgain()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        Task<DeviceHealth> reconnecting = rig.WaitForHealthAsync(DeviceHealthState.Reconnecting);
        Task<DeviceHealth> connected = rig.WaitForHealthAsync(DeviceHealthState.Connected, includeCurrent: false);
        var clock = Stopwatch.StartNew();
        await rig.Emulator.DisconnectAsync(TimeSpan.FromMilliseconds(300));
        DeviceHealth lost = await reconnecting;
        Assert.False(string.IsNullOrEmpty(lost.Reason));
        await connected;
        clock.Stop();
        Assert.Equal(1, rig.Emulator.Statistics.Reopens);

        // The reconnected driver works.
        ScanCompleted done = await rig.ScanAsync("after-replug");
        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.True(rig.Driver.Statistics.Connects >= 2);
    }

    [Fact]
    public async Task Fault_SilentDevice_LinkLostAndReconnectsWhenItSpeaksAgain()
    {
        await using ScannerRig rig = await ScannerRig.StartConnectedAsync();
        Task<DeviceHealth> reconnecting = rig.WaitForHealthAsync(DeviceHealthState.Reconnecting);
        rig.Emulator.Faults.Silent = true;
        DeviceHealth lost = await reconnecting;
        Assert.True(lost.Reason.Contains("no ACK", StringComparison.Ordinal) || lost.Reason.Contains("no frame", StringComparison.Ordinal), lost.Reason);
        Task<DeviceHealth> connected = rig.WaitForHealthAsync(DeviceHealthState.Connected, includeCurrent: false);
        rig.Emulator.Faults.Silent = false;
        await connected;
    }

    [Fact]
    public async Task Handshake_NoCommonVersion_FaultedWithReason()
    {
        await using ScannerRig rig = ScannerRig.CreateWithoutEmulator(e => { e.MinVersion = 2; e.MaxVersion = 3; });
        rig.Emulator.Start();
        Task<DeviceHealth> faulted = rig.WaitForHealthAsync(DeviceHealthState.Faulted);
        rig.Driver.Start();
        DeviceHealth health = await faulted;
        Assert.Contains("no common protocol version", health.Reason, StringComparison.Ordinal);
        Assert.Contains("scanner 2..3", health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortAbsentThenAppears_ConnectsOnceItExists()
    {
        await using ScannerRig rig = ScannerRig.CreateWithoutEmulator();
        rig.Driver.Start();
        Assert.Equal(DeviceHealthState.Starting, rig.Driver.Health.State);
        ScannerCommandResult early = await rig.Driver.ArmAsync();
        Assert.Equal(ScannerCommandOutcome.NotConnected, early.Outcome);
        Task<DeviceHealth> connected = rig.WaitForHealthAsync(DeviceHealthState.Connected);
        rig.Emulator.Start();
        await connected;
    }
}
