using System.Text.Json;
using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Messaging.Connection;

namespace PortScanEdge.Host.Observability;

/// <summary>One readiness check.</summary>
/// <param name="Name">What was checked: <c>model</c>, <c>device:ID</c>, <c>mqtt</c> or <c>storage</c>.</param>
/// <param name="Ok">True when it passed.</param>
/// <param name="Detail">What a technician needs to know, in words.</param>
public sealed record HealthCheck(string Name, bool Ok, string Detail);

/// <summary>The readiness verdict and every check behind it.</summary>
/// <param name="Ready">True when every check passed.</param>
/// <param name="Checks">The checks, model first, then devices by id, then the broker, then storage.</param>
public sealed record ReadinessReport(bool Ready, IReadOnlyList<HealthCheck> Checks)
{
    /// <summary>The report as JSON (<c>{"status":"ready"|"unready","checks":[...]}</c>).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", Ready ? "ready" : "unready");
            json.WriteStartArray("checks");
            foreach (var check in Checks)
            {
                json.WriteStartObject();
                json.WriteString("name", check.Name);
                json.WriteBoolean("ok", check.Ok);
                json.WriteString("detail", check.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// Liveness and readiness for <c>/healthz</c> and <c>/readyz</c>. Live: the process answers (a hung process is
/// the systemd watchdog's job). Ready: the model is loaded and every lane runs, every configured device is
/// connected (a faulted or reconnecting scanner makes the gateway unready until it recovers), and the
/// control-room broker (embedded or external) is connected, and the data directory's file system has at least
/// <c>gateway.min_free_megabytes</c> free.
/// </summary>
public sealed class GatewayHealth(LaneRegistry lanes, DeviceHealthMonitor devices, MqttConnectionSupervisor? mqtt = null, DataStorage? storage = null)
{
    /// <summary>Evaluates readiness now.</summary>
    public ReadinessReport Readiness()
    {
        var checks = new List<HealthCheck>();
        var lanesReady = lanes.Ready.IsCompletedSuccessfully;
        checks.Add(new HealthCheck("model", lanesReady, lanesReady ? "model loaded, every lane running" : "starting: model or lanes not up yet"));

        var seen = devices.Snapshot();
        if (seen.Count == 0)
        {
            checks.Add(new HealthCheck("devices", false, "no device reported yet"));
        }

        foreach (var device in seen)
        {
            checks.Add(new HealthCheck("device:" + device.DeviceId, device.IsUsable, device.ToString()));
        }

        if (mqtt is not null)
        {
            var session = mqtt.Current;
            checks.Add(new HealthCheck("mqtt", session is not null, session is null ? "not connected to the broker" : $"connected to {session.Endpoint}"));
        }

        if (storage is not null)
        {
            checks.Add(storage.Check());
        }

        return new ReadinessReport(checks.TrueForAll(c => c.Ok), checks);
    }
}
