using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace PortScanEdge.Host.Observability;

/// <summary>
/// Collects every <c>PortScanEdge.*</c> meter with a <see cref="MeterListener"/> and renders the Prometheus text
/// exposition format 0.0.4. Counters and up-down counters are summed per label set, histograms are bucketed
/// (bounds chosen by unit), observable instruments are read at scrape time. Written here instead of taking the
/// OpenTelemetry SDK because the gateway needs only this one format and the same renderer has to serve both
/// our own listener and the operator console's Kestrel. Thread-safe.
/// </summary>
/// <remarks>
/// Names: the instrument name with '.' as '_', then the unit (<c>s</c> → <c>_seconds</c>, <c>ms</c> →
/// <c>_milliseconds</c>, <c>By</c> → <c>_bytes</c>), then <c>_total</c> for counters, as the OpenTelemetry
/// Prometheus compatibility rules say.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Content type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly double[] MillisecondsBuckets = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<Instrument, Series> _series = [];
    private readonly string _meterPrefix;
    private readonly IMeterFactory? _scope;

    /// <summary>
    /// Starts listening to meters whose name starts with <paramref name="meterPrefix"/> and, when
    /// <paramref name="scope"/> is given, only to those that factory created — the host's own, so that two
    /// gateways in one process (tests, or a host restarted in place) never mix their series under one name.
    /// </summary>
    public PrometheusExporter(IMeterFactory? scope = null, string meterPrefix = "PortScanEdge.")
    {
        _scope = scope;
        _meterPrefix = meterPrefix;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal) && (_scope is null || ReferenceEquals(instrument.Meter.Scope, _scope)))
            {
                lock (_gate)
                {
                    _series[instrument] = new Series(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) =>
        {
            lock (_gate)
            {
                _series.Remove(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders every series.</summary>
    public string Render()
    {
        lock (_gate)
        {
            foreach (var series in _series.Values)
            {
                if (series.IsObservable)
                {
                    series.Values.Clear();
                }
            }
        }

        // Outside the lock: the callbacks call back into Record. A failing callback must not take the whole
        // scrape down: the others are still recorded (the listener runs them all), and the failure is shown.
        var text = new StringBuilder(4096);
        try
        {
            _listener.RecordObservableInstruments();
        }
        catch (AggregateException failure)
        {
            foreach (var inner in failure.InnerExceptions)
            {
                text.Append("# observable instrument failed: ").Append(inner.GetType().Name).Append(": ").Append(inner.Message.ReplaceLineEndings(" ")).Append('\n');
            }
        }

        lock (_gate)
        {
            foreach (var series in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                series.WriteTo(text);
            }
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        lock (_gate)
        {
            if (_series.TryGetValue(instrument, out var series))
            {
                series.Add(labels, value);
            }
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new List<KeyValuePair<string, object?>>(tags.Length);
        foreach (var tag in tags)
        {
            pairs.Add(tag);
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(SanitizeName(key)).Append("=\"");
            foreach (var c in Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty)
            {
                _ = c switch
                {
                    '\\' => text.Append(@"\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append(@"\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        return text.ToString();
    }

    private static string SanitizeName(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        return text.ToString();
    }

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Aggregated values of one instrument.</summary>
    private sealed class Series
    {
        private readonly string _help;
        private readonly Kind _kind;
        private readonly double[] _bounds;

        public Series(Instrument instrument)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            _kind = generic == typeof(Histogram<>) ? Kind.Histogram
                : generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? Kind.Counter
                : Kind.Gauge;
            IsObservable = instrument.IsObservable;
            var unit = instrument.Unit switch
            {
                "s" => "_seconds",
                "ms" => "_milliseconds",
                "By" => "_bytes",
                _ => string.Empty,
            };
            var baseName = SanitizeName(instrument.Name) + unit;
            Name = _kind == Kind.Counter ? baseName + "_total" : baseName;
            _help = (instrument.Description ?? instrument.Name).Replace("\\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);
            _bounds = instrument.Unit == "s" ? SecondsBuckets : MillisecondsBuckets;
        }

        public string Name { get; }

        public bool IsObservable { get; }

        /// <summary>Per label set: [value] for counters and gauges; [count, sum, bucket counts...] for histograms.</summary>
        public Dictionary<string, double[]> Values { get; } = new(StringComparer.Ordinal);

        public void Add(string labels, double value)
        {
            if (!Values.TryGetValue(labels, out var slot))
            {
                Values[labels] = slot = new double[_kind == Kind.Histogram ? 2 + _bounds.Length : 1];
            }

            switch (_kind)
            {
                case Kind.Histogram:
                    slot[0]++;
                    slot[1] += value;
                    for (var i = 0; i < _bounds.Length; i++)
                    {
                        if (value <= _bounds[i])
                        {
                            slot[2 + i]++;
                        }
                    }

                    break;
                case Kind.Counter when !IsObservable:
                    slot[0] += value;
                    break;
                default:
                    // Gauges, up-down counters and observable counters report the current value (up-down counters add).
                    slot[0] = IsObservable ? value : slot[0] + value;
                    break;
            }
        }

        public void WriteTo(StringBuilder text)
        {
            var typeName = _kind switch
            {
                Kind.Histogram => "histogram",
                Kind.Counter => "counter",
                _ => "gauge",
            };
            text.Append("# HELP ").Append(Name).Append(' ').Append(_help).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(typeName).Append('\n');
            foreach (var (labels, slot) in Values.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                if (_kind != Kind.Histogram)
                {
                    Line(text, Name, labels, null, slot[0]);
                    continue;
                }

                for (var i = 0; i < _bounds.Length; i++)
                {
                    Line(text, Name + "_bucket", labels, "le=\"" + Format(_bounds[i]) + "\"", slot[2 + i]);
                }

                Line(text, Name + "_bucket", labels, "le=\"+Inf\"", slot[0]);
                Line(text, Name + "_sum", labels, null, slot[1]);
                Line(text, Name + "_count", labels, null, slot[0]);
            }
        }

        private static void Line(StringBuilder text, string name, string labels, string? extra, double value)
        {
            text.Append(name);
            if (labels.Length > 0 || extra is not null)
            {
                text.Append('{').Append(labels);
                if (extra is not null)
                {
                    text.Append(labels.Length > 0 ? "," : string.Empty).Append(extra);
                }

                text.Append('}');
            }

            text.Append(' ').Append(Format(value)).Append('\n');
        }
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }
}
