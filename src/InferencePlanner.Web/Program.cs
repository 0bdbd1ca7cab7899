using InferencePlanner.Web;
using InferencePlanner.Web.Calibration;
using InferencePlanner.Web.Extensions;

// The child side of profiling an uploaded .onnx file (see OnnxProfileWorker): no web host.
if (args.Length > 0 && args[0] == OnnxProfileWorker.Flag)
{
    return OnnxProfileWorker.Run(args, Console.Out, Console.Error);
}

// One more silo of a PostgreSQL-backed cluster (see ClusterWorker): no web host.
switch (ClusterWorker.Role(args))
{
    case null or "dashboard":
        break;
    case "worker":
        return ClusterWorker.Run(args);
    case var role:
        Console.Error.WriteLine($"inferenceplanner: --role: '{role}' is not 'dashboard' or 'worker'");
        return 2;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddInferencePlanner();

var app = builder.Build();
app.UseInferencePlanner();
app.Run();
return 0;

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
