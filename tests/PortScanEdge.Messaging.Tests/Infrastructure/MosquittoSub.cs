using System.Diagnostics;
using System.Text.Json;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>One message as <c>mosquitto_sub -F '%r %q %t %p'</c> prints it.</summary>
internal sealed record ReceivedMessage(bool Retained, int Qos, string Topic, string Payload)
{
    public JsonElement Json => JsonDocument.Parse(Payload).RootElement.Clone();
}

/// <summary>The third-party subscriber: the stock <c>mosquitto_sub</c> client, its output parsed line by line.</summary>
internal sealed class MosquittoSub : IDisposable
{
    private readonly Process _process;
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<string> _errors = [];

    private MosquittoSub(Process process) => _process = process;

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    /// <summary>Starts <c>mosquitto_sub</c> with the given extra arguments (host, port, topic, TLS...).</summary>
    public static async Task<MosquittoSub> StartAsync(int port, string topic = "#", params string[] extra)
    {
        var info = new ProcessStartInfo("mosquitto_sub") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-q", "1", "-F", "%r %q %t %p" }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var sub = new MosquittoSub(process);
        process.OutputDataReceived += (_, e) => sub.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (sub._errors)
                {
                    sub._errors.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Task.Delay(300);
        return sub;
    }

    public async Task<IReadOnlyList<ReceivedMessage>> WaitForAsync(Func<IReadOnlyList<ReceivedMessage>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var messages = Messages;
            if (condition(messages))
            {
                return messages;
            }

            await Task.Delay(20);
        }

        var seen = Messages;
        throw new TimeoutException($"mosquitto_sub did not see {what} within {timeout}; saw {seen.Count} message(s):\n" +
            string.Join('\n', seen.TakeLast(20).Select(m => $"{(m.Retained ? "R" : "-")} {m.Topic} {m.Payload}")) + "\nstderr: " + Errors);
    }

    public Task<ReceivedMessage> WaitForTopicAsync(string topic, TimeSpan timeout, Func<ReceivedMessage, bool>? predicate = null) =>
        WaitForAsync(m => m.Any(x => x.Topic == topic && (predicate?.Invoke(x) ?? true)), timeout, topic)
            .ContinueWith(t => t.Result.Last(x => x.Topic == topic && (predicate?.Invoke(x) ?? true)), TaskScheduler.Default);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(2000);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        var parts = line.Split(' ', 4);
        if (parts.Length < 4)
        {
            return;
        }

        lock (_messages)
        {
            _messages.Add(new ReceivedMessage(parts[0] == "1", int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]));
        }
    }
}
