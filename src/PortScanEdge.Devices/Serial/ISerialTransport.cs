using System.IO.Pipelines;

namespace PortScanEdge.Devices.Serial;

/// <summary>
/// Moves bytes to and from one serial line (house style: a transport moves bytes; a driver speaks a protocol).
/// One reader loop per port fills <see cref="Input"/>; the driver consumes it.
/// </summary>
public interface ISerialTransport : IAsyncDisposable
{
    /// <summary>The port as configured (for logs and health reasons).</summary>
    string PortName { get; }

    /// <summary>The line rate in bits per second (0 when unknown), used for timeouts that scale with line time.</summary>
    int Baud { get; }

    /// <summary>
    /// Bytes received. Completes normally or with an <see cref="IOException"/> when the device disappears (USB adapter
    /// pulled, cable cut, pseudo-terminal closed).
    /// </summary>
    PipeReader Input { get; }

    /// <summary>Writes bytes; throws <see cref="IOException"/> when the device is gone.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}

/// <summary>Opens transports; the production implementation opens <see cref="System.IO.Ports.SerialPort"/>s.</summary>
public interface ISerialTransportFactory
{
    /// <summary>Opens the line; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot.</summary>
    ISerialTransport Open(PortScanEdge.Core.Configuration.SerialOptions options);
}
