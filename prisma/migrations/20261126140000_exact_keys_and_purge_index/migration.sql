-- Idempotency keys are compared exactly, as clients send them: "CaseKey" and
-- "casekey" are two keys. (Prisma's schema cannot state a column collation.)
ALTER TABLE `idempotency_records` MODIFY `key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- CreateIndex
CREATE INDEX `login_failures_created_at_idx` ON `login_failures`(`created_at`);
