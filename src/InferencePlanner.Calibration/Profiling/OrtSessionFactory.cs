using Google.Protobuf;
using InferencePlanner.Calibration.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>Which execution provider a session runs on, and why, when it is not the one asked for.</summary>
public sealed record ExecutionProviderChoice(string Provider, string? FallbackReason);

/// <summary>
/// Creates ONNX Runtime sessions with pinned thread counts. CUDA is tried by actually appending its provider
/// (listing the available providers is not enough: the library may be listed and still fail to load); on any
/// failure the session falls back to the CPU provider and says why.
/// </summary>
public static class OrtSessionFactory
{
    public const string Cpu = "CPUExecutionProvider";
    public const string Cuda = "CUDAExecutionProvider";

    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    public static (InferenceSession Session, ExecutionProviderChoice Provider) Create(
        ModelProto model, int threads, bool preferCuda = false, bool enableProfiling = false, string? profilePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(options => new InferenceSession(model.ToByteArray(), options), threads, preferCuda, enableProfiling, profilePrefix);
    }

    public static (InferenceSession Session, ExecutionProviderChoice Provider) Create(
        string modelPath, int threads, bool preferCuda = false, bool enableProfiling = false, string? profilePrefix = null) =>
        Create(options => new InferenceSession(modelPath, options), threads, preferCuda, enableProfiling, profilePrefix);

    private static (InferenceSession, ExecutionProviderChoice) Create(
        Func<SessionOptions, InferenceSession> open, int threads, bool preferCuda, bool enableProfiling, string? profilePrefix)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        string? fallback = null;
        if (preferCuda)
        {
            var options = Options(threads, enableProfiling, profilePrefix);
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                return (open(options), new ExecutionProviderChoice(Cuda, null));
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or InvalidOperationException)
            {
                fallback = $"CUDA unavailable: {FirstLine(ex.Message)}";
                options.Dispose();
            }
        }

        var cpuOptions = Options(threads, enableProfiling, profilePrefix);
        return (open(cpuOptions), new ExecutionProviderChoice(Cpu, fallback));
    }

    private static SessionOptions Options(int threads, bool enableProfiling, string? profilePrefix)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (enableProfiling)
        {
            // The prefix must be set before profiling is switched on, which reads it.
            options.ProfileOutputPathPrefix = profilePrefix ?? Path.Combine(Path.GetTempPath(), "ip-ort-profile");
            options.EnableProfiling = true;
        }

        return options;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
