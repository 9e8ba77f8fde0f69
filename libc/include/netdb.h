/* netdb.h - name lookup: numeric addresses only (there is no resolver). */
#ifndef _PIKAOS_NETDB_H
#define _PIKAOS_NETDB_H

#include <netinet/in.h>
#include <sys/socket.h>

struct addrinfo {
	int ai_flags, ai_family, ai_socktype, ai_protocol;
	socklen_t ai_addrlen;
	struct sockaddr *ai_addr;
	char *ai_canonname;
	struct addrinfo *ai_next;
};

#define AI_PASSIVE 1
#define AI_NUMERICHOST 4
#define EAI_NONAME -2
#define EAI_FAMILY -6
#define EAI_MEMORY -10
#define EAI_SERVICE -8

/* host: a dotted quad or NULL (with AI_PASSIVE: any address); service: a number */
int getaddrinfo(const char *host, const char *service, const struct addrinfo *hints, struct addrinfo **res);
void freeaddrinfo(struct addrinfo *ai);
const char *gai_strerror(int e);

#endif
