using System.Collections.Concurrent;
using System.Globalization;

namespace InferencePlanner.Core.Llm.Operators;

/// <summary>
/// Measured operator times of one device: per-operator tables (<c>*.mlp.csv</c>, one row per token count and
/// tensor-parallel degree, the columns of Vidur's profiler: <c>time_stats.{op}.median</c> in milliseconds and the
/// model's shape in <c>n_head, n_kv_head, n_embd, n_expanded_embd, vocab_size, use_gated_mlp</c>) and all-reduce
/// curves (<c>network/*.all_reduce.csv</c>: <c>time_stats.all_reduce.median</c> ms by message <c>size</c> in bytes
/// and <c>num_workers</c>). Curves are keyed by the operator's shape on one device (<see cref="OperatorShapes"/>),
/// so a table measured for one model serves every model with the same layer shapes.
/// </summary>
public sealed class OperatorLibrary
{
    private readonly Dictionary<string, OperatorCurve> _curves;
    private readonly Dictionary<int, OperatorCurve> _allReduce;

    private OperatorLibrary(string deviceId, IReadOnlyList<string> files, Dictionary<string, OperatorCurve> curves,
        IReadOnlyList<OperatorPoint> points, Dictionary<int, OperatorCurve> allReduce, IReadOnlyList<(int Workers, double Bytes, double Seconds)> allReducePoints)
    {
        DeviceId = deviceId;
        Files = files;
        _curves = curves;
        Points = points;
        _allReduce = allReduce;
        AllReducePoints = allReducePoints;
    }

    /// <summary>The catalog device the tables were measured on (the folder's name).</summary>
    public string DeviceId { get; }

    /// <summary>The tables read, in precedence order (a user's first).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Every measured operator point, for learning each class's efficiency.</summary>
    public IReadOnlyList<OperatorPoint> Points { get; }

    public IReadOnlyList<(int Workers, double Bytes, double Seconds)> AllReducePoints { get; }

    /// <summary>The measured curve of an operator shape, when a table has it.</summary>
    public bool TryGetCurve(OperatorShape shape, out OperatorCurve curve)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return _curves.TryGetValue(shape.Key, out curve!);
    }

    /// <summary>The measured all-reduce curve (seconds by bytes) for a group of <paramref name="workers"/>, when a table has it.</summary>
    public bool TryGetAllReduce(int workers, out OperatorCurve curve) => _allReduce.TryGetValue(workers, out curve!);

    public int CurveCount => _curves.Count;

    private static readonly ConcurrentDictionary<string, (long Stamp, OperatorLibrary? Library)> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The tables of <paramref name="deviceId"/> in the folders given (each holds one sub-folder per device id), the
    /// first folder's taking precedence for a shape both have; null when no folder has the device.
    /// </summary>
    public static OperatorLibrary? Load(string deviceId, IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(roots);
        var folders = roots.Select(r => Path.Combine(r, deviceId)).Where(Directory.Exists).Select(Path.GetFullPath).ToList();
        if (folders.Count == 0)
        {
            return null;
        }

        var files = folders.SelectMany(f => Directory.GetFiles(f, "*.mlp.csv").Order(StringComparer.Ordinal)
            .Concat(Directory.Exists(Path.Combine(f, "network")) ? Directory.GetFiles(Path.Combine(f, "network"), "*.all_reduce.csv").Order(StringComparer.Ordinal) : [])).ToList();
        var stamp = files.Aggregate(17L, (h, f) => unchecked((h * 31) + File.GetLastWriteTimeUtc(f).Ticks + new FileInfo(f).Length + f.GetHashCode(StringComparison.Ordinal)));
        var key = deviceId + "|" + string.Join('|', folders);
        if (Cache.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Library;
        }

        var library = Read(deviceId, files);
        Cache[key] = (stamp, library);
        return library;
    }

    private static OperatorLibrary Read(string deviceId, IReadOnlyList<string> files)
    {
        var curves = new Dictionary<string, OperatorCurve>(StringComparer.Ordinal);
        var points = new List<OperatorPoint>();
        var allReduce = new Dictionary<int, OperatorCurve>();
        var allReducePoints = new List<(int, double, double)>();
        foreach (var file in files)
        {
            if (file.EndsWith(".all_reduce.csv", StringComparison.Ordinal))
            {
                ReadAllReduce(file, allReduce, allReducePoints);
            }
            else
            {
                ReadOperators(file, curves, points);
            }
        }

        return new OperatorLibrary(deviceId, files, curves, points, allReduce, allReducePoints);
    }

    private static readonly string[] ShapeColumns = ["n_head", "n_kv_head", "n_embd", "n_expanded_embd", "vocab_size", "use_gated_mlp", "num_tokens", "num_tensor_parallel_workers"];

    private static void ReadOperators(string file, Dictionary<string, OperatorCurve> curves, List<OperatorPoint> points)
    {
        var (header, rows) = Csv(file);
        int Column(string name) => header.TryGetValue(name, out var i) ? i : throw new OperatorTableException(file, $"has no column '{name}'");
        var shapeColumns = ShapeColumns.Select(Column).ToArray();
        var operators = OperatorShapes.LayerOperators.Append(OperatorShapes.Embedding)
            .Select(op => (Name: op, Column: header.TryGetValue($"time_stats.{op}.median", out var i) ? i : -1))
            .Where(op => op.Column >= 0)
            .ToList();
        if (operators.Count == 0)
        {
            throw new OperatorTableException(file, "has no time_stats.{operator}.median column");
        }

        var measured = new Dictionary<(string Key, double Tokens), (OperatorShape Shape, double Seconds)>();
        var line = 1;
        foreach (var row in rows)
        {
            line++;
            var gated = shapeColumns[5] < row.Length && bool.TryParse(row[shapeColumns[5]], out var g) ? g
                : throw new OperatorTableException(file, $"line {line}, column {shapeColumns[5] + 1}: use_gated_mlp is not True or False");
            var dims = new LayerDims(Int(row, shapeColumns[2], file, line), Int(row, shapeColumns[0], file, line), Int(row, shapeColumns[1], file, line),
                Int(row, shapeColumns[3], file, line), gated, Int(row, shapeColumns[4], file, line));
            var tokens = Int(row, shapeColumns[6], file, line);
            var tp = Int(row, shapeColumns[7], file, line);
            if (tokens < 1 || tp < 1)
            {
                throw new OperatorTableException(file, $"line {line}: num_tokens and num_tensor_parallel_workers must be at least 1");
            }

            foreach (var (name, column) in operators)
            {
                var ms = Number(row, column, file, line);
                var shape = OperatorShapes.Of(name, dims, tp);
                // A point measured twice keeps its first row.
                measured.TryAdd((shape.Key, tokens), (shape, ms / 1000));
            }
        }

        foreach (var group in measured.GroupBy(m => m.Key.Key))
        {
            if (curves.ContainsKey(group.Key))
            {
                continue; // an earlier table (a user's, or the first file) has this shape
            }

            curves[group.Key] = new OperatorCurve([.. group.Select(m => (m.Key.Tokens, m.Value.Seconds))]);
            points.AddRange(group.Select(m => new OperatorPoint(m.Value.Shape, m.Key.Tokens, m.Value.Seconds)));
        }
    }

    private static void ReadAllReduce(string file, Dictionary<int, OperatorCurve> curves, List<(int, double, double)> points)
    {
        var (header, rows) = Csv(file);
        int Column(string name) => header.TryGetValue(name, out var i) ? i : throw new OperatorTableException(file, $"has no column '{name}'");
        var (time, workers, size) = (Column("time_stats.all_reduce.median"), Column("num_workers"), Column("size"));
        var measured = new Dictionary<(int Workers, double Bytes), double>();
        var line = 1;
        foreach (var row in rows)
        {
            line++;
            measured.TryAdd((Int(row, workers, file, line), Number(row, size, file, line)), Number(row, time, file, line) / 1000);
        }

        foreach (var group in measured.GroupBy(m => m.Key.Workers))
        {
            if (curves.ContainsKey(group.Key))
            {
                continue;
            }

            curves[group.Key] = new OperatorCurve([.. group.Select(m => (m.Key.Bytes, m.Value))]);
            points.AddRange(group.Select(m => (group.Key, m.Key.Bytes, m.Value)));
        }
    }

    private static (Dictionary<string, int> Header, IEnumerable<string[]> Rows) Csv(string file)
    {
        var lines = File.ReadLines(file).Where(l => l.Length > 0);
        var header = lines.FirstOrDefault()?.Split(',') ?? throw new OperatorTableException(file, "is empty");
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            columns.TryAdd(header[i].Trim(), i);
        }

        return (columns, lines.Skip(1).Select(l => l.Split(',')));
    }

    private static int Int(string[] row, int column, string file, int line) =>
        int.TryParse(column < row.Length ? row[column] : null, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new OperatorTableException(file, $"line {line}, column {column + 1}: not a whole number");

    private static double Number(string[] row, int column, string file, int line) =>
        double.TryParse(column < row.Length ? row[column] : null, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0
            ? v
            : throw new OperatorTableException(file, $"line {line}, column {column + 1}: not a finite, non-negative number");
}

/// <summary>One measured operator time: its shape, the tokens in the batch, the seconds.</summary>
public sealed record OperatorPoint(OperatorShape Shape, double Tokens, double Seconds);

/// <summary>An operator table that cannot be read, naming the file and why.</summary>
public sealed class OperatorTableException : Exception
{
    public OperatorTableException()
    {
    }

    public OperatorTableException(string message)
        : base(message)
    {
    }

    public OperatorTableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OperatorTableException(string file, string reason)
        : base($"{Path.GetFileName(file)}: {reason}")
    {
    }
}
