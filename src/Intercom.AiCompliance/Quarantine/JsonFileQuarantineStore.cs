using System.Text.Json;
using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// Keeps quarantines in a small JSON file (normally next to the audit file): every change reads the file, applies itself
/// and replaces the file atomically (a temporary file, flushed to the disk, renamed over it) while holding an exclusive
/// lock on <c>&lt;file&gt;.lock</c>, so a host and the <c>aicompliance</c> tool can change it at the same time without
/// losing either change. Readers never see a half-written file.
/// </summary>
public sealed class JsonFileQuarantineStore : IQuarantineStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the store over <paramref name="path"/>; the file is created on the first change.</summary>
    /// <param name="path">The JSON file; a relative path is resolved against the current directory.</param>
    public JsonFileQuarantineStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>The lock file held during each change.</summary>
    public string LockPath => Path + ".lock";

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<QuarantineEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).Values.OrderBy(e => e.DeploymentId, StringComparer.Ordinal).ToArray();

    /// <inheritdoc/>
    public async ValueTask<QuarantineEntry> QuarantineAsync(QuarantineEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        QuarantineEntry result = entry;
        await ChangeAsync(entries => result = QuarantineEntries.Apply(entries, entry), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc/>
    public async ValueTask<QuarantineEntry?> ClearAsync(string deploymentId, string clearedBy, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        QuarantineEntry? result = null;
        await ChangeAsync(entries => result = QuarantineEntries.Clear(entries, deploymentId, clearedBy, reason, at), cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<Dictionary<string, QuarantineEntry>> ReadAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return new(StringComparer.OrdinalIgnoreCase);
        }
        catch (DirectoryNotFoundException)
        {
            return new(StringComparer.OrdinalIgnoreCase);
        }

        QuarantineFile? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, QuarantineJsonContext.Default.QuarantineFile);
        }
        catch (JsonException ex)
        {
            // Fail closed, and name the file: a store that cannot be read must not read as "nothing quarantined".
            throw new InvalidDataException($"The quarantine file '{Path}' is not a quarantine store ({ex.GetType().Name} at line {ex.LineNumber}): restore it from a backup or fix it by hand.");
        }

        if (file is null || file.Version != QuarantineFile.CurrentVersion)
        {
            throw new InvalidDataException($"The quarantine file '{Path}' has version {file?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; this package reads version {QuarantineFile.CurrentVersion}.");
        }

        var entries = new Dictionary<string, QuarantineEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in file.Deployments)
        {
            entries[e.DeploymentId] = e;
        }

        return entries;
    }

    private async Task ChangeAsync(Action<Dictionary<string, QuarantineEntry>> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
            var entries = await ReadAsync(cancellationToken).ConfigureAwait(false);
            change(entries);
            var file = new QuarantineFile
            {
                Version = QuarantineFile.CurrentVersion,
                Deployments = [.. entries.Values.OrderBy(e => e.DeploymentId, StringComparer.Ordinal)],
            };
            var temp = $"{Path}.tmp-{Guid.NewGuid():N}";
            try
            {
                await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    await JsonSerializer.SerializeAsync(stream, file, QuarantineJsonContext.Default.QuarantineFile, cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temp, Path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited < LockWait)
            {
                // Another process (a host or the tool) is changing the file: its change takes milliseconds.
                await Task.Delay(step, cancellationToken).ConfigureAwait(false);
                waited += step;
            }
            catch (IOException ex)
            {
                throw new IOException($"The quarantine file '{Path}' stayed locked ('{LockPath}') for {LockWait.TotalSeconds} s; no change was made.", ex);
            }
        }
    }
}

/// <summary>The file's shape: a version and one entry per deployment.</summary>
internal sealed class QuarantineFile
{
    public const int CurrentVersion = 1;

    public int Version { get; set; }

    public List<QuarantineEntry> Deployments { get; set; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuarantineFile))]
internal sealed partial class QuarantineJsonContext : JsonSerializerContext;
