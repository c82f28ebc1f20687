/*
 * Intel 82371AB PIIX4 function 3, power management (ACPI fixed hardware),
 * at PCI 00:01.3, and the values the ACPI tables (FADT, DSDT) must carry
 * to describe it as the board programs it.
 */
#ifndef HW_ACPI_PIIX4_PM_H
#define HW_ACPI_PIIX4_PM_H

#include <stdint.h>

#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "softmmu/memory.h"

#define PIIX4_PM_DEVFN      PCI_DEVFN(1, 3)
#define PIIX4_PM_DEVICE_ID  0x7113
#define PIIX4_PM_REVISION   0x03

/* Config registers (82371AB datasheet, 3.2) */
#define PIIX4_PM_PMBA       0x40    /* PM I/O base: bits 15:6; bit 0 = 1 */
#define PIIX4_PM_PMREGMISC  0x80    /* bit 0 (PMIOSE): PM I/O decode on */
#define PIIX4_PM_SMBBA      0x90    /* SMBus I/O base: bits 15:4; bit 0 = 1 */
#define PIIX4_PM_SMBHSTCFG  0xd2    /* bit 0: SMBus host enable */
#define PIIX4_PM_IO_SIZE    0x40

/*
 * What the board programs, as a BIOS would (there is none on the direct
 * Linux boot path), and the FADT must say:
 *   PM1a_EVT_BLK = ACPI_PM1_EVT_BLK, PM1_EVT_LEN = 4
 *   PM1a_CNT_BLK = ACPI_PM1_CNT_BLK, PM1_CNT_LEN = 2
 *   PM_TMR_BLK   = ACPI_PM_TMR_BLK,  PM_TMR_LEN = 4, TMR_VAL_EXT = 0
 *   GPE0_BLK     = ACPI_GPE0_BLK,    GPE0_BLK_LEN = 4 (the PIIX4's own
 *                  GPSTS/GPEN at PMBA + 0x0C, not QEMU's 0xAFE0)
 *   SCI_INT      = ACPI_SCI_IRQ (ISA IRQ 9, level, active high; the
 *                  board sets ELCR bit 9)
 *   SMI_CMD      = 0: no SMM, ACPI mode is always on (SCI_EN is set by
 *                  the board), so ACPI_ENABLE/ACPI_DISABLE are 0 too
 *   RESET_REG    = system I/O ACPI_RESET_PORT, RESET_VALUE = ACPI_RESET_VALUE,
 *                  with the RESET_REG_SUP flag
 * and the DSDT's \_S5 package is { ACPI_SLP_TYP_S5, ACPI_SLP_TYP_S5 }.
 */
#define ACPI_PM_BASE        0x600
#define ACPI_PM1_EVT_BLK    (ACPI_PM_BASE + 0x00)
#define ACPI_PM1_CNT_BLK    (ACPI_PM_BASE + 0x04)
#define ACPI_PM_TMR_BLK     (ACPI_PM_BASE + 0x08)
#define ACPI_GPE0_BLK       (ACPI_PM_BASE + 0x0c)
#define ACPI_GPE0_BLK_LEN   4
#define ACPI_SCI_IRQ        9
#define ACPI_SMI_CMD        0
#define ACPI_SLP_TYP_S5     0       /* QEMU's PIIX4 convention */
#define ACPI_RESET_PORT     0xcf9
#define ACPI_RESET_VALUE    0x06

#define ACPI_PM_TIMER_FREQ  3579545ll   /* Hz */

/* PM1 status/enable bits (ACPI spec 4.8.3.1) */
#define ACPI_PM1_TMR        0x0001
#define ACPI_PM1_BM         0x0010
#define ACPI_PM1_GBL        0x0020
#define ACPI_PM1_PWRBTN     0x0100
#define ACPI_PM1_RTC        0x0400
#define ACPI_PM1_WAK        0x8000
/* PM1 control */
#define ACPI_PM1_CNT_SCI_EN     0x0001
#define ACPI_PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)
#define ACPI_PM1_CNT_SLP_EN     0x2000

typedef struct PIIX4PMState PIIX4PMState;

/* sci: the SCI output, active high (the board sends it to IRQ 9). */
PIIX4PMState *piix4_pm_create(PCIBus *bus, IOSpace *io, IRQLine *sci);

PCIDevice *piix4_pm_pci(PIIX4PMState *s);

/* The power button was pressed: PWRBTN_STS, and an SCI if enabled. */
void piix4_pm_power_button(PIIX4PMState *s);

#endif
