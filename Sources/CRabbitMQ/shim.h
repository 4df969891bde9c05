// C shim for librabbitmq: the parts Swift cannot call directly.
#ifndef HIPCALL_SYNC_CRABBITMQ_SHIM_H
#define HIPCALL_SYNC_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <poll.h>
#include <sys/time.h>
#include <sys/eventfd.h>

/// `amqp_login_with_properties` is variadic; this fixes it to SASL PLAIN with a user and password
/// (and the client properties that name the connection).
static inline amqp_rpc_reply_t hs_amqp_login_plain_with_properties(amqp_connection_state_t state,
                                                                   const char *vhost,
                                                                   int channel_max,
                                                                   int frame_max,
                                                                   int heartbeat,
                                                                   const amqp_table_t *properties,
                                                                   const char *user,
                                                                   const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/// Whether librabbitmq has buffered frames or data not yet handed out (so `poll` would miss them).
static inline int hs_amqp_has_pending(amqp_connection_state_t state) {
    return amqp_frames_enqueued(state) || amqp_data_in_buffer(state);
}

/// A non-blocking, close-on-exec eventfd: the wake-up descriptor a connection thread polls.
static inline int hs_wake_descriptor(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

#endif
