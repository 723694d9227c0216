using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PortScanEdge.Detection.Evaluation;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>portscan-edge evaluate</c>: runs the detector over a labelled directory (<c>labels.csv</c>: <c>file,label,boxes</c>)
/// and prints image AUROC, average precision, detection rate at 1 % and 2 % false alarms, the threshold for a target
/// false-alarm rate and the localisation hit rate. With <c>--json</c> the last stdout line is one JSON object.
/// Exit 0 on success, 2 for usage/config/data-set errors, 4 when <c>--min-auroc</c> is given and not reached.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Exit code when the AUROC is below <c>--min-auroc</c>.</summary>
    public const int BelowMinimum = 4;

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "ONNX model (default: detection.model from --config, else the shipped models/portscan-xray.onnx)." };
        var config = new Option<string?>("--config") { Description = "Gateway config file whose detection: section supplies thresholds, limits and threads." };
        var dataset = new Option<string>("--dataset") { Description = "Directory with labels.csv and the images it lists; with a concealments.csv (file,kind columns, as synth writes it) figures per concealment kind follow.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object on the last stdout line." };
        var report = new Option<string?>("--report") { Description = "Write report.md, report.html, roc.png and example heat maps into this directory." };
        var threshold = new Option<double?>("--threshold") { Description = "Image threshold that counts as detected for the localisation figure (default: the model's)." };
        var targetFpr = new Option<double>("--target-fpr") { Description = "False-alarm rate (0–1) to find the threshold for.", DefaultValueFactory = _ => 0.01 };
        var minAuroc = new Option<double?>("--min-auroc") { Description = "Exit 4 when the image AUROC is below this value (a regression gate)." };
        var command = new Command(
            "evaluate",
            "Measure a model on a labelled radiograph directory: image AUROC, average precision, detection rate at 1 %/2 % false alarms, " +
            "threshold for a target false-alarm rate, localisation hit rate; ROC PNG and HTML/markdown report. " +
            "Example: portscan-edge evaluate --dataset data/val --json --report out/eval")
        {
            model, config, dataset, json, report, threshold, targetFpr, minAuroc,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(model),
            parseResult.GetValue(config),
            parseResult.GetRequiredValue(dataset),
            parseResult.GetValue(json),
            parseResult.GetValue(report),
            parseResult.GetValue(threshold),
            parseResult.GetValue(targetFpr),
            parseResult.GetValue(minAuroc),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>The command's body, callable from tests with their own writers.</summary>
    internal static int Run(string? modelPath, string? configPath, string datasetDirectory, bool json, string? reportDirectory, double? threshold, double targetFpr, double? minAuroc, TextWriter output, TextWriter error)
    {
        if (!File.Exists(Path.Combine(datasetDirectory, "labels.csv")))
        {
            error.WriteLine($"evaluate: no labels.csv in '{datasetDirectory}'");
            return DetectionCommandSupport.UsageError;
        }

        if (!(targetFpr >= 0 && targetFpr <= 1))
        {
            error.WriteLine($"evaluate: --target-fpr must be 0–1, got {targetFpr.ToString(CultureInfo.InvariantCulture)}");
            return DetectionCommandSupport.UsageError;
        }

        var opened = DetectionCommandSupport.TryOpen(configPath, modelPath, error, adjust: null, out var detector);
        if (opened != 0)
        {
            return opened;
        }

        using (detector)
        {
            var stopwatch = Stopwatch.StartNew();
            DatasetEvaluation evaluation;
            try
            {
                evaluation = DatasetEvaluator.EvaluateAsync(detector!, datasetDirectory, threshold, targetFpr, new Progress(error)).GetAwaiter().GetResult();
            }
            catch (Exception exception) when (exception is FormatException or ArgumentException or IOException)
            {
                error.WriteLine($"evaluate: {exception.Message}");
                return DetectionCommandSupport.UsageError;
            }

            double seconds = stopwatch.Elapsed.TotalSeconds;
            foreach (var (file, reason) in evaluation.Rejected)
            {
                error.WriteLine($"evaluate: {file} refused: {reason}");
            }

            var r = evaluation.Result;
            var c = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(c, $"model: {detector!.Model.Name} {detector.Model.Version} (sha256 {detector.Model.Sha256[..Math.Min(12, detector.Model.Sha256.Length)]}…)"));
            output.WriteLine(string.Create(c, $"images: {r.NormalCount} normal, {r.AnomalousCount} anomalous, {evaluation.Rejected.Count} refused; {seconds:F1} s ({seconds / Math.Max(1, evaluation.Images.Count) * 1000:F0} ms/image)"));
            output.WriteLine(string.Create(c, $"image AUROC           {r.ImageAuroc:F4}"));
            output.WriteLine(string.Create(c, $"average precision     {r.AveragePrecision:F4}"));
            output.WriteLine(string.Create(c, $"detection @ ≤1 % FPR  {r.AtOnePercent.TruePositiveRate:P1} (threshold {EvaluationReport.FormatThreshold(r.AtOnePercent.Threshold)})"));
            output.WriteLine(string.Create(c, $"detection @ ≤2 % FPR  {r.AtTwoPercent.TruePositiveRate:P1} (threshold {EvaluationReport.FormatThreshold(r.AtTwoPercent.Threshold)})"));
            output.WriteLine(string.Create(c, $"threshold for ≤{r.TargetFalsePositiveRate:P1} FPR {EvaluationReport.FormatThreshold(r.AtTarget.Threshold)}"));
            output.WriteLine(string.Create(c, $"at threshold {EvaluationReport.FormatThreshold(r.DetectionThreshold)}: detection {r.DetectionRate:P1}, false alarms {r.FalseAlarmRate:P1}"));
            output.WriteLine(string.Create(c, $"localisation hit rate {(double.IsNaN(r.LocalisationHitRate) ? "n/a" : r.LocalisationHitRate.ToString("F4", c))} ({r.LocalisationCount} detected)"));
            foreach (var kind in evaluation.PerKind)
            {
                output.WriteLine(string.Create(c, $"  {kind.Kind,-20} n {kind.Count,4}  AUROC {kind.Auroc:F4}  detection {kind.DetectionRate:P1}"));
            }

            if (reportDirectory is not null)
            {
                ReportWriter.WriteAsync(reportDirectory, detector, datasetDirectory, evaluation).GetAwaiter().GetResult();
                output.WriteLine($"report: {Path.Combine(reportDirectory, "report.html")}");
            }

            if (json)
            {
                output.WriteLine(EvaluationReport.ToJson(r, new Dictionary<string, object?>
                {
                    ["model"] = detector.Model.Name,
                    ["model_version"] = detector.Model.Version,
                    ["model_sha256"] = detector.Model.Sha256,
                    ["n_refused"] = evaluation.Rejected.Count,
                    ["seconds"] = Math.Round(seconds, 3),
                    ["per_kind"] = evaluation.PerKind.Count == 0 ? null : evaluation.PerKind.ToDictionary(
                        k => k.Kind,
                        k => new Dictionary<string, object> { ["n"] = k.Count, ["auroc"] = Math.Round(k.Auroc, 6), ["detection_rate"] = Math.Round(k.DetectionRate, 6) }),
                }));
            }

            if (minAuroc is double minimum && !(r.ImageAuroc >= minimum))
            {
                error.WriteLine(string.Create(c, $"evaluate: image AUROC {r.ImageAuroc:F4} is below the required {minimum:F4}"));
                return BelowMinimum;
            }

            return 0;
        }
    }

    /// <summary>Progress on stderr every 10 %.</summary>
    private sealed class Progress(TextWriter error) : IProgress<(int Done, int Total)>
    {
        private int lastDecile = -1;

        public void Report((int Done, int Total) value)
        {
            int decile = value.Done * 10 / Math.Max(1, value.Total);
            if (decile != lastDecile && value.Total >= 20)
            {
                lastDecile = decile;
                error.WriteLine($"evaluate: {value.Done}/{value.Total}");
            }
        }
    }
}
