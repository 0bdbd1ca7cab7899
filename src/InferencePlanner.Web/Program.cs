using InferencePlanner.Web.Calibration;
using InferencePlanner.Web.Extensions;

// The child side of profiling an uploaded .onnx file (see OnnxProfileWorker): no web host.
if (args.Length > 0 && args[0] == OnnxProfileWorker.Flag)
{
    return OnnxProfileWorker.Run(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddInferencePlanner();

var app = builder.Build();
app.UseInferencePlanner();
app.Run();
return 0;

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
