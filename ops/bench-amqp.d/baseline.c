/* Baseline for ops/bench-amqp: the same publish-with-confirms and consume-with-ack workload
 * written directly against librabbitmq, single-threaded, so the Swift wrapper has a reference. */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(amqp_rpc_reply_t reply, const char *what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        fprintf(stderr, "baseline: %s failed\n", what);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: baseline HOST PORT QUEUE COUNT\n");
        return 2;
    }
    const char *host = argv[1], *queue = argv[3];
    int port = atoi(argv[2]);
    long count = atol(argv[4]);
    const long window = 1000;

    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) {
        fprintf(stderr, "baseline: cannot connect\n");
        return 1;
    }
    check(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
    amqp_channel_open(conn, 1);
    check(amqp_get_rpc_reply(conn), "channel.open");
    amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 0, 0, 1, amqp_empty_table);
    check(amqp_get_rpc_reply(conn), "queue.declare");
    amqp_confirm_select(conn, 1);
    check(amqp_get_rpc_reply(conn), "confirm.select");

    char body[32];
    double start = now();
    long published = 0, confirmed = 0;
    while (confirmed < count) {
        while (published < count && published - confirmed < window) {
            int len = snprintf(body, sizeof body, "message %ld", published);
            amqp_bytes_t payload = {(size_t)len, body};
            if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, NULL, payload) != 0) {
                fprintf(stderr, "baseline: publish failed\n");
                return 1;
            }
            published++;
        }
        amqp_frame_t frame;
        if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) {
            fprintf(stderr, "baseline: wait frame failed\n");
            return 1;
        }
        if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            confirmed = (long)ack->delivery_tag;
        }
        amqp_maybe_release_buffers(conn);
    }
    double publishSeconds = now() - start;

    amqp_basic_qos(conn, 1, 0, 1000, 0);
    check(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn), "basic.consume");
    start = now();
    for (long received = 0; received < count; received++) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        check(amqp_consume_message(conn, &envelope, NULL, 0), "consume");
        amqp_basic_ack(conn, 1, envelope.delivery_tag, 0);
        amqp_destroy_envelope(&envelope);
    }
    double consumeSeconds = now() - start;
    printf("%.0f %.0f\n", count / publishSeconds, count / consumeSeconds);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    return 0;
}
