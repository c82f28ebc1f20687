/*
 * Disassembly for the logs, through capstone.
 */
#include <inttypes.h>

#include <capstone/capstone.h>

#include "softmmu/disas.h"

static void disas_buf(FILE *f, cs_mode mode, const uint8_t *code, size_t size,
                      uint64_t addr)
{
    csh handle;
    cs_insn *insn;
    if (cs_open(CS_ARCH_X86, mode, &handle) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable)\n");
        return;
    }
    size_t n = cs_disasm(handle, code, size, addr, 0, &insn);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "0x%016" PRIx64 ":  %-8s %s\n", insn[i].address,
                insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (done < size) {
        fprintf(f, "0x%016" PRIx64 ":  .byte", addr + done);
        for (size_t i = done; i < size && i < done + 16; i++) {
            fprintf(f, " 0x%02x", code[i]);
        }
        fprintf(f, "\n");
    }
    if (n) {
        cs_free(insn, n);
    }
    cs_close(&handle);
}

void disas_guest(FILE *f, const uint8_t *code, size_t size, uint64_t pc,
                 int mode_bits)
{
    cs_mode mode = mode_bits == 64 ? CS_MODE_64
                   : mode_bits == 32 ? CS_MODE_32 : CS_MODE_16;
    disas_buf(f, mode, code, size, pc);
}

void disas_host(FILE *f, const uint8_t *code, size_t size)
{
    disas_buf(f, CS_MODE_64, code, size, (uint64_t)(uintptr_t)code);
}
