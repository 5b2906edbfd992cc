import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { splitMySql } from '../server/src/dialects/mysql/split';

test('a custom terminator glued to END (END$$) ends the statement, and two procedures stay two', () => {
  const text = 'DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nCREATE PROCEDURE q() BEGIN SELECT 2; END$$\nDELIMITER ;\nCALL p();\n';
  const s = splitMySql(text).statements;
  assert.deepEqual(s.map((x) => x.text), ['CREATE PROCEDURE p() BEGIN SELECT 1; END', 'CREATE PROCEDURE q() BEGIN SELECT 2; END', 'CALL p();']);
});

test('a terminator made of word characters still lets longer words through', () => {
  const text = 'DELIMITER //\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END//\nDELIMITER ;\n';
  assert.deepEqual(splitMySql(text).statements.map((x) => x.text), ['CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END']);
});
