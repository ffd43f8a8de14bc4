using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;
using Fabrix.Contracts.Registry.V1;
using AuditLog = Fabrix.Core.Registry.Audit.AuditLog;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;

using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace Fabrix.Core.Registry.Requests;

/// <summary>
/// Malformed protobuf → INVALID_ARGUMENT, audited (issue 7 section 4). Grpc.AspNetCore deserializes the request before
/// any interceptor runs, and a message that is not protobuf — garbage bytes, a truncated field, invalid UTF-8 in a
/// string — throws inside the framework, which answers UNKNOWN "Exception was thrown by handler." and writes no audit
/// row. This middleware runs after routing, before the gRPC endpoint: for a unary or server-streaming call of the
/// registry's own services it peeks at the one framed request message (without consuming it), parses it with the
/// method's input type and, when that fails, answers INVALID_ARGUMENT itself with a google.rpc.BadRequest naming the
/// message, and audits the refusal (actor <c>anonymous</c>: nothing about the caller was read). A message over the
/// service's receive limit (<see cref="RequestLimits"/>) is not read here: the framework refuses it with
/// RESOURCE_EXHAUSTED. Well-formed messages are parsed twice; they are small and bounded.
/// </summary>
internal sealed partial class MalformedGrpcRequests(RequestDelegate next, AuditLog audit, ILogger<MalformedGrpcRequests> logger)
{
    /// <summary>Audit action of a refused malformed message; the target is the gRPC method.</summary>
    public const string AuditAction = "request.malformed";

    private const int FrameHeaderLength = 5;

    private static readonly FrozenDictionary<string, MessageDescriptor> s_inputTypes = InputTypes(RegistryReflection.Descriptor, AuditReflection.Descriptor);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } grpc
            || grpc.Method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming
            || !s_inputTypes.TryGetValue(grpc.Method.FullName, out var inputType))
        {
            await next(context);
            return;
        }

        var problem = await PeekProblemAsync(context.Request.BodyReader, inputType, RequestLimits.For(grpc.Method.ServiceName), context.RequestAborted);
        if (problem is null)
        {
            await next(context);
            return;
        }

        LogMalformed(logger, grpc.Method.FullName, problem);
        var refusal = Refusal.Invalid($"The request is not a valid {inputType.Name} message: {problem}",
            [new Errors.FieldViolation("$", $"Not a valid protobuf {inputType.FullName}: {problem}")]);
        await audit.RefuseAsync(Caller.Anonymous(), AuditAction, grpc.Method.FullName, refusal, null, context.RequestAborted);
        WriteTrailersOnly(context.Response, GrpcRefusalInterceptor.ToRpcException(refusal));
    }

    /// <summary>
    /// Why the framed message is not a valid <paramref name="inputType"/>, or null when it is (or when it is not this
    /// middleware's to judge: compressed, over the limit, or incomplete — the framework answers those). Consumes nothing.
    /// </summary>
    private static async Task<string?> PeekProblemAsync(System.IO.Pipelines.PipeReader reader, MessageDescriptor inputType, int limit, CancellationToken cancellationToken)
    {
        var result = await reader.ReadAtLeastAsync(FrameHeaderLength, cancellationToken);
        var buffer = result.Buffer;
        if (buffer.Length < FrameHeaderLength)
        {
            reader.AdvanceTo(buffer.Start);
            return null;
        }

        Span<byte> header = stackalloc byte[FrameHeaderLength];
        buffer.Slice(0, FrameHeaderLength).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (header[0] != 0 || length > limit)
        {
            reader.AdvanceTo(buffer.Start);
            return null;
        }

        reader.AdvanceTo(buffer.Start);
        result = await reader.ReadAtLeastAsync(FrameHeaderLength + (int)length, cancellationToken);
        buffer = result.Buffer;
        try
        {
            if (buffer.Length < FrameHeaderLength + length)
            {
                return null;
            }

            inputType.Parser.ParseFrom(buffer.Slice(FrameHeaderLength, length));
            return null;
        }
        catch (InvalidProtocolBufferException exception)
        {
            return exception.Message;
        }
        catch (DecoderFallbackException)
        {
            return "a string field is not valid UTF-8.";
        }
        finally
        {
            reader.AdvanceTo(buffer.Start);
        }
    }

    /// <summary>A gRPC "trailers-only" response: HTTP 200, no message, the status in the headers.</summary>
    private static void WriteTrailersOnly(HttpResponse response, RpcException error)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)error.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(error.Status.Detail);
        if (error.Trailers.GetValueBytes("grpc-status-details-bin") is { } details)
        {
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(details);
        }
    }

    private static FrozenDictionary<string, MessageDescriptor> InputTypes(params FileDescriptor[] files) =>
        files.SelectMany(f => f.Services)
            .SelectMany(s => s.Methods.Select(m => (Name: $"/{s.FullName}/{m.Name}", m.InputType)))
            .ToFrozenDictionary(m => m.Name, m => m.InputType, StringComparer.Ordinal);

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Refused a malformed {Method} request: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string method, string problem);
}
