using System.Globalization;

namespace InferencePlanner.Simulation.Workload;

/// <summary>
/// A request trace in the Azure LLM inference format: a header <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>,
/// then one row per query (e.g. <c>2023-11-16 18:15:46.6805900,374,44</c>). Times are kept as seconds after the
/// first row; rows must be in time order.
/// </summary>
public sealed class ArrivalTrace
{
    public const long MaxFileBytes = 1L << 30;

    private ArrivalTrace(double[] offsets, int[] contextTokens, int[] generatedTokens, string source)
    {
        OffsetSeconds = offsets;
        ContextTokens = contextTokens;
        GeneratedTokens = generatedTokens;
        Source = source;
    }

    public IReadOnlyList<double> OffsetSeconds { get; }
    public IReadOnlyList<int> ContextTokens { get; }
    public IReadOnlyList<int> GeneratedTokens { get; }
    public string Source { get; }
    public int Count => OffsetSeconds.Count;

    public double DurationSeconds => Count > 1 ? OffsetSeconds[^1] : 0;

    /// <summary>Rows per second over the trace's span ((n − 1) gaps over its duration).</summary>
    public double MeanRatePerSecond => DurationSeconds > 0 ? (Count - 1) / DurationSeconds : 0;

    /// <summary>The most rows in any one-second window starting at a row.</summary>
    public double PeakRatePerSecond
    {
        get
        {
            var best = 0;
            var j = 0;
            for (var i = 0; i < Count; i++)
            {
                while (j < Count && OffsetSeconds[j] < OffsetSeconds[i] + 1)
                {
                    j++;
                }

                best = Math.Max(best, j - i);
            }

            return best;
        }
    }

    public static ArrivalTrace Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new TraceFormatException(path, 0, $"file not found: {path}");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new TraceFormatException(path, 0, $"the file is {info.Length:N0} bytes; the limit is {MaxFileBytes:N0}");
        }

        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    public static ArrivalTrace Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = reader.ReadLine();
        if (header is null)
        {
            throw new TraceFormatException(source, 1, "the file is empty");
        }

        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        var time = Array.IndexOf(columns, "TIMESTAMP");
        var context = Array.IndexOf(columns, "ContextTokens");
        var generated = Array.IndexOf(columns, "GeneratedTokens");
        if (time < 0 || context < 0 || generated < 0)
        {
            throw new TraceFormatException(source, 1, $"the header must name TIMESTAMP, ContextTokens and GeneratedTokens; it is '{header}'");
        }

        var offsets = new List<double>();
        var contextTokens = new List<int>();
        var generatedTokens = new List<int>();
        DateTime first = default;
        var previous = double.NegativeInfinity;
        var lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new TraceFormatException(source, lineNumber, $"expected {columns.Length} cells, found {cells.Length}");
            }

            if (!DateTime.TryParse(cells[time], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp))
            {
                throw new TraceFormatException(source, lineNumber, $"TIMESTAMP '{cells[time]}' is not a date and time");
            }

            if (!int.TryParse(cells[context], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ctx) || ctx < 0)
            {
                throw new TraceFormatException(source, lineNumber, $"ContextTokens '{cells[context]}' is not a whole number ≥ 0");
            }

            if (!int.TryParse(cells[generated], NumberStyles.Integer, CultureInfo.InvariantCulture, out var gen) || gen < 0)
            {
                throw new TraceFormatException(source, lineNumber, $"GeneratedTokens '{cells[generated]}' is not a whole number ≥ 0");
            }

            if (offsets.Count == 0)
            {
                first = stamp;
            }

            var offset = (stamp - first).TotalSeconds;
            if (offset < previous)
            {
                throw new TraceFormatException(source, lineNumber, "rows must be in time order");
            }

            previous = offset;
            offsets.Add(offset);
            contextTokens.Add(ctx);
            generatedTokens.Add(gen);
        }

        if (offsets.Count == 0)
        {
            throw new TraceFormatException(source, lineNumber, "the trace has no rows");
        }

        return new ArrivalTrace([.. offsets], [.. contextTokens], [.. generatedTokens], source);
    }
}

/// <summary>A trace file that cannot be read, with the line at fault.</summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string source, int line, string reason)
        : base($"{source}:{line}: {reason}")
    {
        TraceSource = source;
        Line = line;
        Reason = reason;
    }

    public TraceFormatException()
        : this("?", 0, "invalid trace")
    {
    }

    public TraceFormatException(string message)
        : this("?", 0, message)
    {
    }

    public TraceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        TraceSource = "?";
        Reason = message;
    }

    /// <summary>The file or stream the trace came from.</summary>
    public string TraceSource { get; } = "?";
    public int Line { get; }
    public string Reason { get; } = "?";
}
