namespace PortScanEdge.Detection.Evaluation;

/// <summary>Opens a data set's CSV file and puts its path in front of a parse error, which names only the line.</summary>
internal static class CsvFile
{
    /// <exception cref="FormatException">The file is malformed; the message names the file's path and the line.</exception>
    public static T Read<T>(string path, Func<TextReader, T> parse)
    {
        using var reader = new StreamReader(path);
        try
        {
            return parse(reader);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }
}
