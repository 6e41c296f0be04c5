using Google.Protobuf.Reflection;

namespace Tally.Contracts.Tests;

/// <summary>Our copies of the standard gRPC protos keep upstream's wire names and numbers.</summary>
public sealed class StandardProtoTests
{
    [Fact]
    public void Health_MatchesUpstreamWireContract()
    {
        var service = Service("grpc.health.v1.Health");

        Assert.Equal("Check,List,Watch(server-stream)", Methods(service));
        Assert.Equal(
            "UNKNOWN=0,SERVING=1,NOT_SERVING=2,SERVICE_UNKNOWN=3",
            string.Join(",", global::Grpc.Health.V1.HealthCheckResponse.Descriptor.EnumTypes[0].Values.Select(v => $"{v.Name}={v.Number}")));
        Assert.Equal("service=1", Fields(global::Grpc.Health.V1.HealthCheckRequest.Descriptor));
        Assert.Equal("status=1", Fields(global::Grpc.Health.V1.HealthCheckResponse.Descriptor));
    }

    [Fact]
    public void Reflection_MatchesUpstreamWireContract()
    {
        Assert.Equal("ServerReflectionInfo(bidi)", Methods(Service("grpc.reflection.v1alpha.ServerReflection")));
        Assert.Equal(
            "host=1,file_by_filename=3,file_containing_symbol=4,file_containing_extension=5,all_extension_numbers_of_type=6,list_services=7",
            Fields(global::Grpc.Reflection.V1Alpha.ServerReflectionRequest.Descriptor));
        Assert.Equal(
            "valid_host=1,original_request=2,file_descriptor_response=4,all_extension_numbers_response=5,list_services_response=6,error_response=7",
            Fields(global::Grpc.Reflection.V1Alpha.ServerReflectionResponse.Descriptor));
        Assert.Equal("containing_type=1,extension_number=2", Fields(global::Grpc.Reflection.V1Alpha.ExtensionRequest.Descriptor));
        Assert.Equal("file_descriptor_proto=1", Fields(global::Grpc.Reflection.V1Alpha.FileDescriptorResponse.Descriptor));
        Assert.Equal("base_type_name=1,extension_number=2", Fields(global::Grpc.Reflection.V1Alpha.ExtensionNumberResponse.Descriptor));
        Assert.Equal("service=1", Fields(global::Grpc.Reflection.V1Alpha.ListServiceResponse.Descriptor));
        Assert.Equal("name=1", Fields(global::Grpc.Reflection.V1Alpha.ServiceResponse.Descriptor));
        Assert.Equal("error_code=1,error_message=2", Fields(global::Grpc.Reflection.V1Alpha.ErrorResponse.Descriptor));
    }

    [Fact]
    public void InteropTestService_MatchesUpstreamWireContract()
    {
        Assert.Equal(
            "EmptyCall,UnaryCall,CacheableUnaryCall,StreamingOutputCall(server-stream),StreamingInputCall(client-stream)," +
            "FullDuplexCall(bidi),HalfDuplexCall(bidi),UnimplementedCall",
            Methods(Service("grpc.testing.TestService")));
        Assert.Equal("UnimplementedCall", Methods(Service("grpc.testing.UnimplementedService")));
        Assert.Equal("grpc.testing.Empty", global::Grpc.Testing.Empty.Descriptor.FullName);
        Assert.Equal(
            "response_type=1,response_size=2,payload=3,fill_username=4,fill_oauth_scope=5,response_compressed=6," +
            "response_status=7,expect_compressed=8,fill_server_id=9,fill_grpclb_route_type=10,orca_per_query_report=11",
            Fields(global::Grpc.Testing.SimpleRequest.Descriptor));
        Assert.Equal(
            "payload=1,username=2,oauth_scope=3,server_id=4,grpclb_route_type=5,hostname=6",
            Fields(global::Grpc.Testing.SimpleResponse.Descriptor));
        Assert.Equal("type=1,body=2", Fields(global::Grpc.Testing.Payload.Descriptor));
        Assert.Equal("code=1,message=2", Fields(global::Grpc.Testing.EchoStatus.Descriptor));
        Assert.Equal("value=1", Fields(global::Grpc.Testing.BoolValue.Descriptor));
        Assert.Equal("payload=1,expect_compressed=2", Fields(global::Grpc.Testing.StreamingInputCallRequest.Descriptor));
        Assert.Equal("aggregated_payload_size=1", Fields(global::Grpc.Testing.StreamingInputCallResponse.Descriptor));
        Assert.Equal("size=1,interval_us=2,compressed=3,fill_peer_socket_address=4", Fields(global::Grpc.Testing.ResponseParameters.Descriptor));
        Assert.Equal(
            "response_type=1,response_parameters=2,payload=3,response_status=7,orca_oob_report=8",
            Fields(global::Grpc.Testing.StreamingOutputCallRequest.Descriptor));
        Assert.Equal("payload=1,peer_socket_address=2", Fields(global::Grpc.Testing.StreamingOutputCallResponse.Descriptor));
    }

    private static ServiceDescriptor Service(string fullName) =>
        ContractDescriptors.FindService(fullName) ?? throw new InvalidOperationException($"{fullName} is not compiled into Tally.Contracts");

    private static string Methods(ServiceDescriptor service) => string.Join(",", service.Methods.Select(m =>
        m.Name + (m.IsClientStreaming, m.IsServerStreaming) switch
        {
            (true, true) => "(bidi)",
            (true, false) => "(client-stream)",
            (false, true) => "(server-stream)",
            _ => "",
        }));

    private static string Fields(MessageDescriptor message) =>
        string.Join(",", message.Fields.InDeclarationOrder().Select(f => $"{f.Name}={f.FieldNumber}"));
}
