using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace PortScanEdge.Detection.Evaluation;

/// <summary>Writes an evaluation as a JSON object, a markdown report and an HTML report.</summary>
public static class EvaluationReport
{
    /// <summary>
    /// The one-line JSON object printed by <c>evaluate --json</c>: at least <c>image_auroc</c>, <c>average_precision</c>,
    /// <c>tpr_at_fpr_1pct</c>, <c>tpr_at_fpr_2pct</c>, <c>localisation_hit_rate</c>, <c>n_normal</c>, <c>n_anomalous</c>.
    /// NaN (nothing detected) is written as null.
    /// </summary>
    public static string ToJson(EvaluationResult result, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var values = new Dictionary<string, object?>
        {
            ["image_auroc"] = Number(result.ImageAuroc),
            ["average_precision"] = Number(result.AveragePrecision),
            ["tpr_at_fpr_1pct"] = Number(result.AtOnePercent.TruePositiveRate),
            ["tpr_at_fpr_2pct"] = Number(result.AtTwoPercent.TruePositiveRate),
            ["threshold_at_fpr_1pct"] = ThresholdNumber(result.AtOnePercent.Threshold),
            ["threshold_at_fpr_2pct"] = ThresholdNumber(result.AtTwoPercent.Threshold),
            ["target_fpr"] = Number(result.TargetFalsePositiveRate),
            ["threshold_for_target_fpr"] = ThresholdNumber(result.AtTarget.Threshold),
            ["tpr_at_target_fpr"] = Number(result.AtTarget.TruePositiveRate),
            ["detection_threshold"] = ThresholdNumber(result.DetectionThreshold),
            ["detection_rate"] = Number(result.DetectionRate),
            ["false_alarm_rate"] = Number(result.FalseAlarmRate),
            ["localisation_hit_rate"] = Number(result.LocalisationHitRate),
            ["localisation_count"] = result.LocalisationCount,
            ["n_normal"] = result.NormalCount,
            ["n_anomalous"] = result.AnomalousCount,
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                values[key] = value;
            }
        }

        return JsonSerializer.Serialize(values);
    }

    /// <summary>Writes <c>report.md</c> and <c>report.html</c> to <paramref name="directory"/> (ROC and heat-map PNGs are referenced by relative name).</summary>
    public static void Write(string directory, EvaluationResult result, string modelDescription, string datasetDescription, string rocFile, IReadOnlyList<(string File, string Caption)> examples, IReadOnlyList<(string Name, string Value)> notes)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(notes);
        var rows = Rows(result).Concat(notes).ToList();

        var md = new StringBuilder();
        md.AppendLine("# Evaluation report").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Model: {modelDescription}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Data set: {datasetDescription}").AppendLine();
        md.AppendLine("| metric | value |").AppendLine("|---|---|");
        foreach (var (name, value) in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        }

        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![ROC curve: false-alarm rate across, detection rate up; orange guides at 1 % and 2 %; red dot = detection threshold]({rocFile})").AppendLine();
        if (examples.Count > 0)
        {
            md.AppendLine("## Example heat maps").AppendLine().AppendLine("Green: labelled box. Yellow→red: map at or above the pixel threshold. Cyan cross: map peak.").AppendLine();
            foreach (var (file, caption) in examples)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"![{caption}]({file})").AppendLine().AppendLine(caption).AppendLine();
            }
        }

        File.WriteAllText(Path.Combine(directory, "report.md"), md.ToString());

        var html = new StringBuilder();
        html.AppendLine("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation report</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}img{max-width:100%;border:1px solid #ddd}figure{margin:1rem 0}</style></head><body>");
        html.AppendLine("<h1>Evaluation report</h1>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p>Model: {WebUtility.HtmlEncode(modelDescription)}<br>Data set: {WebUtility.HtmlEncode(datasetDescription)}</p>");
        html.AppendLine("<table><tr><th>metric</th><th>value</th></tr>");
        foreach (var (name, value) in rows)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(name)}</td><td>{WebUtility.HtmlEncode(value)}</td></tr>");
        }

        html.AppendLine("</table>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<figure><img src=\"{WebUtility.HtmlEncode(rocFile)}\" alt=\"ROC curve\"><figcaption>ROC curve: false-alarm rate across (0–1), detection rate up (0–1); grid every 10 %; orange guides at 1 % and 2 %; red dot = detection threshold.</figcaption></figure>");
        if (examples.Count > 0)
        {
            html.AppendLine("<h2>Example heat maps</h2><p>Green: labelled box. Yellow→red: map at or above the pixel threshold. Cyan cross: map peak.</p>");
            foreach (var (file, caption) in examples)
            {
                html.AppendLine(CultureInfo.InvariantCulture, $"<figure><img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"{WebUtility.HtmlEncode(caption)}\"><figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>");
            }
        }

        html.AppendLine("</body></html>");
        File.WriteAllText(Path.Combine(directory, "report.html"), html.ToString());
    }

    private static IEnumerable<(string, string)> Rows(EvaluationResult r)
    {
        yield return ("images (normal / anomalous)", $"{r.NormalCount} / {r.AnomalousCount}");
        yield return ("image AUROC", F(r.ImageAuroc));
        yield return ("average precision", F(r.AveragePrecision));
        yield return ("detection rate at ≤ 1 % false alarms", $"{P(r.AtOnePercent.TruePositiveRate)} (threshold {FormatThreshold(r.AtOnePercent.Threshold)}, false alarms {P(r.AtOnePercent.FalsePositiveRate)})");
        yield return ("detection rate at ≤ 2 % false alarms", $"{P(r.AtTwoPercent.TruePositiveRate)} (threshold {FormatThreshold(r.AtTwoPercent.Threshold)}, false alarms {P(r.AtTwoPercent.FalsePositiveRate)})");
        yield return ($"threshold for ≤ {P(r.TargetFalsePositiveRate)} false alarms", $"{FormatThreshold(r.AtTarget.Threshold)} (detection {P(r.AtTarget.TruePositiveRate)})");
        yield return ("detection threshold used", $"{FormatThreshold(r.DetectionThreshold)}: detection {P(r.DetectionRate)}, false alarms {P(r.FalseAlarmRate)}");
        yield return ("localisation hit rate", double.IsNaN(r.LocalisationHitRate) ? "n/a (nothing detected)" : $"{F(r.LocalisationHitRate)} of {r.LocalisationCount} detected");
    }

    /// <summary>
    /// A threshold as text a technician can copy into <c>detection.threshold</c> unchanged: nine decimals
    /// (scores of a confident model crowd just below 1, where four or six decimals merge distinct thresholds),
    /// rounded up so the copied value never alerts on an image the exact threshold would not.
    /// </summary>
    public static string FormatThreshold(double value) =>
        ThresholdNumber(value) is double rounded ? rounded.ToString("0.#########", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    private static double? ThresholdNumber(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 1e6 ? (double)(Math.Ceiling((decimal)value * 1_000_000_000m) / 1_000_000_000m) : null;

    private static double? Number(double value) => double.IsFinite(value) ? Math.Round(value, 6) : null;

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string P(double value) => (100 * value).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
