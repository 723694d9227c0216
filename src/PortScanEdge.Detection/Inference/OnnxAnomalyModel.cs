using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Detection.Inference;

/// <summary>
/// One ONNX Runtime session for one model file, shared by every analysis workspace. ONNX Runtime's
/// <c>Run</c> is thread-safe on a session, so workspaces run concurrently, each through its own
/// <see cref="ModelBinding"/> (their own tensors; nothing per-frame is shared).
/// </summary>
public sealed class OnnxAnomalyModel : IDisposable
{
    private readonly InferenceSession session;

    private OnnxAnomalyModel(InferenceSession session, ModelContract contract, IReadOnlyList<(string Name, TensorElementType Type, int[] Shape)> outputs, string path)
    {
        this.session = session;
        Contract = contract;
        Outputs = outputs;
        Path = path;
    }

    /// <summary>The band network of a two-band model (models/CONTRACT.md), or null for a one-network model.</summary>
    public OnnxAnomalyModel? Band { get; private set; }

    /// <summary>Main-map pixels per band-map pixel along each axis (main downsample / band downsample); 1 without a band.</summary>
    public int BandRatio => Band is null ? 1 : Contract.Downsample / Band.Contract.Downsample;

    /// <summary>
    /// The first row of the main network's map that the band network answers for on a radiograph of
    /// <paramref name="radiographHeight"/> rows; null for a one-network model or when the band holds no row.
    /// </summary>
    public int? BandFirstRow(int radiographHeight)
    {
        if (Band is null)
        {
            return null;
        }

        var mainHeight = Contract.ReducedLength(radiographHeight);
        var row = Contract.Band!.FirstRow(mainHeight);
        return row < mainHeight ? row : null;
    }

    /// <summary>The resolved model contract.</summary>
    public ModelContract Contract { get; }

    /// <summary>Full path of the model file.</summary>
    public string Path { get; }

    /// <summary>Every output of the model: name, element type and declared shape (−1 for dynamic dimensions).</summary>
    public IReadOnlyList<(string Name, TensorElementType Type, int[] Shape)> Outputs { get; }

    internal InferenceSession Session => session;

    /// <summary>
    /// Loads a model: hashes the file, opens the session with options from config (intra-op threads, spinning
    /// off unless allowed, full graph optimisation, CPU provider) and checks the tensors against the contract.
    /// A two-band model's band network is loaded from beside the main file and must have the SHA-256 the main
    /// file names, so the main file's hash (stamped on results) stands for both.
    /// </summary>
    /// <exception cref="ModelContractException">The file (or its band network) is missing, not an ONNX model, or breaks the contract.</exception>
    public static OnnxAnomalyModel Load(string path, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var model = LoadFile(path, options);
        try
        {
            var contract = model.Contract;
            var fileName = System.IO.Path.GetFileName(model.Path);
            if (contract.IsBandNetwork)
            {
                throw new ModelContractException($"model '{fileName}' is the band network of a two-band model; load the main model file that names it");
            }

            if (contract.Band is { } band)
            {
                var bandPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(model.Path)!, band.File);
                try
                {
                    model.Band = LoadFile(bandPath, options);
                }
                catch (ModelContractException exception)
                {
                    throw new ModelContractException($"model '{fileName}' is a two-band model and its band network cannot be used: {exception.Message}", exception);
                }

                CheckBand(fileName, contract, band, model.Band);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void CheckBand(string fileName, ModelContract main, ModelBand band, OnnxAnomalyModel bandModel)
    {
        var b = bandModel.Contract;
        var problem =
            b.Identity.Sha256 != band.Sha256 ? $"has SHA-256 {b.Identity.Sha256}, not the {band.Sha256} the main model names (a different or altered file)"
            : !b.IsBandNetwork ? "is not marked as a band network (portscan.role=band)"
            : b.Channels != main.Channels ? $"takes {b.Channels} channel(s), the main network {main.Channels}"
            : b.Downsample >= main.Downsample || main.Downsample % b.Downsample != 0 ? $"has downsample {b.Downsample}, which must be smaller than the main network's {main.Downsample} and divide it"
            : null;
        if (problem is not null)
        {
            throw new ModelContractException($"model '{fileName}': its band network '{band.File}' {problem}");
        }
    }

    private static OnnxAnomalyModel LoadFile(string path, DetectionOptions options)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        string sha256;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
            sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelContractException($"cannot read model '{fullPath}': {exception.Message}", exception);
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        // ExecutionProvider.Cpu is the only provider in this build; ONNX Runtime adds it implicitly.

        InferenceSession session;
        try
        {
            // From the bytes we hashed, so the hash is of exactly what runs.
            session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelContractException($"'{fullPath}' is not a loadable ONNX model: {exception.Message}", exception);
        }

        try
        {
            var fileName = System.IO.Path.GetFileName(fullPath);
            if (!session.InputMetadata.TryGetValue(ModelContract.InputName, out var input))
            {
                throw new ModelContractException($"model '{fileName}' has no input named '{ModelContract.InputName}' (inputs: {string.Join(", ", session.InputMetadata.Keys)})");
            }

            if (input.ElementDataType != TensorElementType.Float)
            {
                throw new ModelContractException($"model '{fileName}': input '{ModelContract.InputName}' is {input.ElementDataType}, float32 is required");
            }

            var contract = ModelContract.Resolve(fileName, sha256, session.ModelMetadata.CustomMetadataMap, input.Dimensions, options);
            var outputs = session.OutputMetadata.Select(o => (o.Key, o.Value.ElementDataType, o.Value.Dimensions)).ToList();
            CheckOutput(fileName, outputs, ModelContract.ScoreName, [1, 2]);
            var map = CheckOutput(fileName, outputs, ModelContract.MapName, [3, 4]);
            var mapHeight = map.Shape[^2];
            var mapWidth = map.Shape[^1];
            if ((mapHeight > 0 && mapHeight != contract.InputHeight) || (mapWidth > 0 && mapWidth != contract.InputWidth))
            {
                throw new ModelContractException($"model '{fileName}': anomaly_map is {mapHeight}x{mapWidth} but the input is {contract.InputHeight}x{contract.InputWidth}; the map must be at input resolution");
            }

            foreach (var (name, type, _) in outputs)
            {
                if (type is not (TensorElementType.Float or TensorElementType.Bool))
                {
                    throw new ModelContractException($"model '{fileName}': output '{name}' is {type}; only float32 and bool outputs are supported");
                }
            }

            return new OnnxAnomalyModel(session, contract, outputs, fullPath);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static (string Name, TensorElementType Type, int[] Shape) CheckOutput(string fileName, List<(string Name, TensorElementType Type, int[] Shape)> outputs, string name, int[] ranks)
    {
        var found = outputs.FirstOrDefault(o => o.Name == name);
        if (found.Name is null)
        {
            throw new ModelContractException($"model '{fileName}' has no output named '{name}' (outputs: {string.Join(", ", outputs.Select(o => o.Name))})");
        }

        if (found.Type != TensorElementType.Float || !ranks.Contains(found.Shape.Length))
        {
            throw new ModelContractException($"model '{fileName}': output '{name}' must be float32 of rank {string.Join(" or ", ranks)}, found {found.Type} of rank {found.Shape.Length}");
        }

        return found;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Band?.Dispose();
        session.Dispose();
    }
}
