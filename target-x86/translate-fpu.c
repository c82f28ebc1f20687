/*
 * x87 instructions: the D8-DF escapes and FWAIT.
 */
#include "target-x86/translate.h"

void disas_x87(DisasContext *dc)
{
    if (dc->b == 0x9b) {
        return;     /* FWAIT: no unmasked x87 exceptions yet */
    }
    gen_unimplemented(dc);
}
