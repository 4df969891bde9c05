/// AMQP client.
import CRabbitMQ
