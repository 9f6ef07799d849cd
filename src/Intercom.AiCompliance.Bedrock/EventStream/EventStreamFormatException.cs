namespace Intercom.AiCompliance.Bedrock.EventStream;

/// <summary>
/// The bytes of an event stream are not a valid frame: a CRC does not match, a length is out of bounds, the stream ended
/// inside a frame, or a header is malformed. The message says which check failed, never what the frame held.
/// </summary>
internal sealed class EventStreamFormatException : Exception
{
    public EventStreamFormatException(string message)
        : base(message)
    {
    }
}
