using System.Security.Cryptography;
using System.Text;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Web.Persistence;

/// <summary>
/// The app's data folder (Storage:Folder, else App_Data): the database and uploaded traces live here and
/// nowhere else. Uploaded traces are checked row by row before they are kept, and kept under a name made
/// from their content, so the same file uploaded twice is one file and no upload names a path.
/// </summary>
public sealed class PlannerStorage(string folder)
{
    /// <summary>The largest trace accepted from the browser.</summary>
    public const long MaxTraceBytes = 64L * 1024 * 1024;

    public string Folder { get; } = Path.GetFullPath(folder);

    public string TracesFolder => Path.Combine(Folder, "traces");

    /// <summary>Uploaded models wait here, a folder each named by the server, until their profiling ends.</summary>
    public string UploadsFolder => Path.Combine(Folder, "uploads");

    /// <summary>A new, empty folder for one upload.</summary>
    public string NewUploadFolder() => Directory.CreateDirectory(Path.Combine(UploadsFolder, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>Removes uploads a stopped process left behind (their jobs are marked failed at start).</summary>
    public void ClearUploads()
    {
        if (Directory.Exists(UploadsFolder))
        {
            Directory.Delete(UploadsFolder, recursive: true);
        }
    }

    /// <summary>
    /// Whether a scenario's trace path, resolved as a run would resolve it, lies in the uploaded traces or the
    /// shipped ones (<paramref name="shippedTraces"/>) — not anywhere else on the server.
    /// </summary>
    public bool AllowsTrace(string path, string? scenariosFolder, string? shippedTraces)
    {
        ArgumentNullException.ThrowIfNull(path);
        string resolved;
        try
        {
            resolved = Path.GetFullPath(Simulation.Engine.SimulationModel.ResolveTracePath(path, scenariosFolder));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }

        string?[] roots = [TracesFolder, shippedTraces];
        return roots.OfType<string>().Any(root => resolved.StartsWith(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    /// <summary>
    /// Reads an uploaded trace, checks every row (a <see cref="TraceFormatException"/> names the line), and keeps it
    /// as traces/trace-HASH.csv. Returns the kept file's full path and the parsed trace.
    /// </summary>
    public async Task<(string Path, ArrivalTrace Trace)> SaveTraceAsync(Stream content, string fileName, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellation).ConfigureAwait(false);
        if (buffer.Length > MaxTraceBytes)
        {
            throw new TraceFormatException(fileName, 0, $"the file is {buffer.Length:N0} bytes; the limit is {MaxTraceBytes:N0}");
        }

        buffer.Position = 0;
        ArrivalTrace trace;
        using (var reader = new StreamReader(buffer, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true))
        {
            trace = ArrivalTrace.Parse(reader, Path.GetFileName(fileName));
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()))[..16];
        Directory.CreateDirectory(TracesFolder);
        var path = Path.Combine(TracesFolder, $"trace-{hash}.csv");
        if (!File.Exists(path))
        {
            // Written beside and moved into place, so a reader never sees half a file.
            var partial = path + $".{Guid.NewGuid():N}.part";
            await File.WriteAllBytesAsync(partial, buffer.ToArray(), cancellation).ConfigureAwait(false);
            File.Move(partial, path, overwrite: true);
        }

        return (path, trace);
    }
}
