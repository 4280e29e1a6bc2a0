/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain replay driver: links with a fuzz target (no fuzzer runtime) and
 * runs LLVMFuzzerTestOneInput on every file named on the command line, or
 * inside every directory named (sorted, not recursive). This is how ctest
 * replays the corpora and every stored crash, under any preset.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs above this are refused, as libFuzzer's -max_len would. */
#define REPLAY_MAX_INPUT (4u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT + 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT + 1, f);
	fclose(f);
	if (n > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s is larger than %u bytes\n", path,
			REPLAY_MAX_INPUT);
		free(buf);
		return -1;
	}
	/* Give the target exactly n bytes, so ASan sees any over-read. */
	buf = realloc(buf, n ? n : 1);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir, unsigned *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: cannot read %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (replay_file(path) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			rc |= replay_dir(argv[i], &count) != 0;
		} else {
			rc |= replay_file(argv[i]) != 0;
			count += rc == 0;
		}
	}
	if (count == 0 && rc == 0) {
		fprintf(stderr, "replay: no input given or found\n");
		rc = 1;
	}
	printf("replayed %u inputs%s\n", count, rc ? " (with errors)" : "");
	return rc;
}
