using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Training;

/// <summary>One anonymised Input/Output pair offered for fine-tuning the platform's own models.</summary>
/// <param name="WorkspaceId">The workspace it came from (kept so a later opt-out can remove it).</param>
/// <param name="Product">The product.</param>
/// <param name="Capability">The capability.</param>
/// <param name="Input">The anonymised Input texts.</param>
/// <param name="Output">The anonymised Output texts.</param>
/// <param name="ConsentCheckedAt">The instant consent was last confirmed before the offer.</param>
public sealed record TrainingSample(
    string WorkspaceId,
    AiProduct Product,
    Capability Capability,
    IReadOnlyList<string> Input,
    IReadOnlyList<string> Output,
    DateTimeOffset ConsentCheckedAt);

/// <summary>Receives anonymised samples for training. Only the training gate calls it, and only with consent.</summary>
public interface ITrainingDataSink
{
    /// <summary>Stores a sample.</summary>
    ValueTask OfferAsync(TrainingSample sample, CancellationToken cancellationToken = default);
}

/// <summary>Keeps offered samples in memory: for tests and demos.</summary>
public sealed class InMemoryTrainingDataSink : ITrainingDataSink
{
    private readonly List<TrainingSample> _samples = [];

    /// <summary>A snapshot of the samples offered so far.</summary>
    public IReadOnlyList<TrainingSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToArray();
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask OfferAsync(TrainingSample sample, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        lock (_samples)
        {
            _samples.Add(sample);
        }

        return ValueTask.CompletedTask;
    }
}
