using System.Globalization;
using System.Text;
using PortScanEdge.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Simulation.Radiographs;

/// <summary>What to generate.</summary>
public sealed record RadiographDatasetOptions
{
    /// <summary>Output directory; created when missing. Existing files of the same names are overwritten.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Number of radiographs, 1–1 000 000.</summary>
    public int Count { get; init; } = 100;

    /// <summary>Data-set seed; image i uses a seed derived from it and i.</summary>
    public long Seed { get; init; }

    /// <summary>Share of images with a concealment, 0–1; exactly round-down(i·rate) anomalies among the first i images.</summary>
    public double AnomalyRate { get; init; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = RadiographGenerator.DefaultWidth;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = RadiographGenerator.DefaultHeight;

    /// <summary>Also write the low-energy image of each scan as <c>NNNNNN.le.png</c>.</summary>
    public bool DualEnergy { get; init; }

    /// <summary>Concealment kinds to draw from; null or empty means all.</summary>
    public IReadOnlyList<ConcealmentKind>? Kinds { get; init; }

    /// <summary>Images rendered at once; defaults to the processor count.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Number of images shown on the contact sheet (0 = no sheet).</summary>
    public int ContactSheetImages { get; init; } = 24;
}

/// <summary>Progress of a data-set run: images written so far, of the total.</summary>
/// <param name="Done">Images written.</param>
/// <param name="Total">Images to write.</param>
public readonly record struct DatasetProgress(int Done, int Total);

/// <summary>What was written.</summary>
/// <param name="Count">Images written.</param>
/// <param name="Anomalous">Images with a concealment.</param>
/// <param name="LabelsPath">Path of <c>labels.csv</c>.</param>
/// <param name="ContactSheetPath">Path of the contact sheet PNG, or null when none was asked for.</param>
public sealed record DatasetSummary(int Count, int Anomalous, string LabelsPath, string? ContactSheetPath);

/// <summary>
/// Writes a labelled synthetic data set: <c>NNNNNN.png</c> (16-bit greyscale), <c>labels.csv</c>
/// (<c>file,label,boxes</c>, boxes <c>x:y:w:h;…</c>), <c>concealments.csv</c> (one row per concealment with its
/// kind and material, for per-kind analysis) and <c>contact-sheet.png</c>.
/// </summary>
public static class RadiographDataset
{
    /// <summary>Maximum number of images in one data set.</summary>
    public const int MaximumCount = 1_000_000;

    /// <summary>True for image <paramref name="index"/> when it carries a concealment at the given rate.</summary>
    public static bool IsAnomalousIndex(int index, double anomalyRate) =>
        Math.Floor((index + 1) * anomalyRate + 1e-9) > Math.Floor(index * anomalyRate + 1e-9);

    /// <summary>The scene seed of image <paramref name="index"/> of a data set with seed <paramref name="datasetSeed"/>.</summary>
    public static long ImageSeed(long datasetSeed, int index) => (long)RadiographRandom.Mix((ulong)datasetSeed, (ulong)index + 1000);

    /// <summary>The file name of image <paramref name="index"/>.</summary>
    public static string FileName(int index) => index.ToString("D6", CultureInfo.InvariantCulture) + ".png";

    /// <summary>Generates and writes the data set.</summary>
    public static DatasetSummary Write(RadiographDatasetOptions options, IProgress<DatasetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Count, MaximumCount);
        if (!(options.AnomalyRate >= 0 && options.AnomalyRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AnomalyRate, "anomaly rate must be between 0 and 1");
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var labelRows = new string[options.Count];
        var concealmentRows = new string[options.Count];
        int sheetCount = Math.Min(options.ContactSheetImages, options.Count);
        var thumbnails = new Image<Rgb24>?[sheetCount];
        int done = 0;
        int anomalous = 0;

        Parallel.For(0, options.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, index =>
        {
            bool withConcealment = IsAnomalousIndex(index, options.AnomalyRate);
            var radiograph = RadiographGenerator.Render(ImageSeed(options.Seed, index), options.Width, options.Height, withConcealment, options.DualEnergy, options.Kinds);
            string file = FileName(index);
            PngWriter.SaveGrey16(Path.Combine(options.OutputDirectory, file), radiograph.HighEnergy, radiograph.Width, radiograph.Height);
            if (radiograph.LowEnergy is { } low)
            {
                PngWriter.SaveGrey16(Path.Combine(options.OutputDirectory, Path.ChangeExtension(file, ".le.png")), low, radiograph.Width, radiograph.Height);
            }

            labelRows[index] = FormatLabelRow(file, radiograph);
            var rows = new StringBuilder();
            foreach (var concealment in radiograph.Concealments)
            {
                rows.Append(CultureInfo.InvariantCulture, $"{file},{radiograph.VehicleType},{concealment.Kind},{concealment.Material},{concealment.Box}\n");
            }

            concealmentRows[index] = rows.ToString();
            if (index < sheetCount)
            {
                thumbnails[index] = ContactSheet.Thumbnail(radiograph, 320);
            }

            if (radiograph.IsAnomalous)
            {
                Interlocked.Increment(ref anomalous);
            }

            progress?.Report(new DatasetProgress(Interlocked.Increment(ref done), options.Count));
        });

        string labelsPath = Path.Combine(options.OutputDirectory, "labels.csv");
        File.WriteAllText(labelsPath, "file,label,boxes\n" + string.Concat(labelRows.Select(r => r + "\n")));
        File.WriteAllText(Path.Combine(options.OutputDirectory, "concealments.csv"), "file,vehicle,kind,material,box\n" + string.Concat(concealmentRows));
        string? sheetPath = null;
        if (sheetCount > 0)
        {
            sheetPath = Path.Combine(options.OutputDirectory, "contact-sheet.png");
            ContactSheet.Save(sheetPath, thumbnails!);
        }

        foreach (var thumbnail in thumbnails)
        {
            thumbnail?.Dispose();
        }

        return new DatasetSummary(options.Count, anomalous, labelsPath, sheetPath);
    }

    /// <summary>The <c>labels.csv</c> row of one radiograph: <c>file,label,boxes</c>.</summary>
    public static string FormatLabelRow(string file, SyntheticRadiograph radiograph)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        return string.Create(CultureInfo.InvariantCulture, $"{file},{(radiograph.IsAnomalous ? 1 : 0)},{string.Join(';', radiograph.Boxes)}");
    }
}
